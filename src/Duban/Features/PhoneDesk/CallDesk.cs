using Duban.Common;
using Duban.Data;
using Duban.Features.Dispatching;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Units;

namespace Duban.Features.PhoneDesk;

/// <summary>
/// A call as the operator logs it. <paramref name="Answer"/> given: answered on the spot (直接答复), the matter closed at
/// once with it; none: the call is routed as the portal's reports are (automatic dispatch when sure, else the queue).
/// </summary>
public sealed record CallRequest(string? CallerName, string? CallerPhone, bool? Anonymous, string? Kind, string? Urgency, string? Title,
    string? Content, string? Location, string? TerritoryCode = null, string? Answer = null, DateTimeOffset? ReceivedAt = null);

public sealed record CallUnit(string Code, string Name);

/// <summary>
/// The call registered: its number (the receipt read to the caller) and query code (named callers, shown once), its state,
/// the unit holding it (the desk's own when answered, the unit dispatched to automatically) or, waiting in the queue, the
/// route suggested there.
/// </summary>
public sealed record CallReceipt(long Id, string Number, string Status, int Version, string? QueryCode, bool Answered, CallUnit? LeadUnit,
    CallUnit? SuggestedUnit, string? SuggestedCategory, bool Replayed);

/// <summary>What the form shows as the operator types: the place the words resolve to, and the open matters like it there.</summary>
public sealed record CallLookup(GeoMatch Place, IReadOnlyList<DuplicateView> Duplicates);

/// <summary>
/// The 12345 phone desk (电话登记): registers a call through <see cref="RegisterMatter"/> on channel <c>phone</c> (the same
/// numbering, sealing, territory, clock and audit as every door), then either answers it on the spot
/// (<see cref="AnswerOnTheSpot"/>, an audited action) or hands it to the routing every registration takes
/// (<see cref="IAutoDispatch"/>: dispatched when sure, else waiting in the dispatcher's queue).
/// </summary>
public sealed class CallDesk(RegisterMatter register, AnswerOnTheSpot answer, IAutoDispatch auto, IDispatchAdvisor advisor, UnitDirectory units,
    MatterScope scope, GeoService geo, Duplicates duplicates, TimeProvider time)
{
    public const string Channel = "phone";

    /// <summary>The texts a lookup takes (the form sends the start of a long account: enough to compare).</summary>
    public const int MaxLookupText = 1000;

    /// <summary>Who works the desk: the operators (dispatchers) and supervisors. Handlers and leaders do not (403).</summary>
    public Error? Refuses(Actor actor) => scope.Coordinates(actor)
        ? null
        : Error.Forbidden("只有话务（受理）和督办人员可以使用电话登记 / only operators (dispatchers) and supervisors use the phone desk");

    public async Task<Result<CallReceipt>> RegisterAsync(CallRequest r, Actor actor, string? idempotencyKey, CancellationToken ct)
    {
        if (Refuses(actor) is { } forbidden) return forbidden;
        var anonymous = r.Anonymous ?? false;
        var problems = new List<string>();
        if (!register.Kinds.IsPublic(r.Kind))
            problems.Add($"kind must be one of {string.Join(", ", register.Kinds.All.Where(k => k.Public).Select(k => k.Kind))} / 请选择事项类型");
        if (anonymous && (Text.OrNull(r.CallerName) is not null || Text.OrNull(r.CallerPhone) is not null))
            problems.Add("callerName and callerPhone are left empty for an anonymous caller / 匿名来电不填姓名电话");
        if (!anonymous && Text.OrNull(r.CallerPhone) is null)
            problems.Add("callerPhone is required unless the caller stays anonymous / 请填写来电号码，或选择匿名");
        if (Text.OrNull(r.CallerPhone) is { } phone && !IsPhone(phone))
            problems.Add("callerPhone must be 5–20 digits (spaces, +, - allowed) / 来电号码格式不正确");
        if (r.CallerName is { Length: > 50 }) problems.Add("callerName is at most 50 characters / 来电人姓名不超过50字");
        if (Text.OrNull(r.Answer) is not null)
        {
            if (AnswerOnTheSpot.CheckAnswer(r.Answer) is { } bad) problems.Add(bad.Message);
            else if (register.Kinds.Misconduct(r.Kind) || register.Kinds.ConfidentialByDefault(r.Kind))
                problems.Add("answer: a report (举报) is routed to the dispatcher, never answered on the spot / 举报不能直接答复，须交办");
        }
        else if (r.Answer is not null)
        {
            problems.Add($"answer is required, at most {AnswerOnTheSpot.MaxAnswer} characters / 直接答复须填写答复内容，不超过{AnswerOnTheSpot.MaxAnswer}字");
        }
        if (problems.Count > 0) return Error.Validation(string.Join("; ", problems));

        var cmd = new RegisterCommand(r.Kind, Channel, r.Title, r.Content, r.Location, Urgency: Text.OrNull(r.Urgency), ReceivedAt: r.ReceivedAt,
            Anonymous: anonymous, Raiser: anonymous ? null : new RaiserInput(Text.OrNull(r.CallerName), Text.OrNull(r.CallerPhone)),
            TerritoryCode: Text.OrNull(r.TerritoryCode));
        // A named caller gets the receipt and a query code to follow the matter on the portal, as at any staff registration.
        var registered = await register.ExecuteAsync(cmd, actor, issueQueryCode: !anonymous, idempotencyKey, ct);
        if (!registered.IsSuccess) return registered.Error!;
        var (matter, queryCode, replayed) = registered.Value!;
        if (Text.OrNull(r.Answer) is not null)
        {
            // Registration and answer are two steps, each with its event: a repeat under the same Idempotency-Key after a
            // failure between them finds the matter still waiting and answers it then.
            if (matter.Status == Status.Received)
            {
                var answered = await answer.ExecuteAsync(matter.Id, new AnswerRequest(matter.Version, r.Answer), actor, ct);
                if (!answered.IsSuccess) return answered.Error!;
                matter = answered.Value!;
            }
        }
        else if (!replayed && await auto.TryAsync(matter.Id, ct) is { } dispatched)
        {
            matter = dispatched;
        }
        return await ReceiptAsync(matter, queryCode, replayed, answeredNow: Text.OrNull(r.Answer) is not null, ct);
    }

    private async Task<CallReceipt> ReceiptAsync(Matter matter, string? queryCode, bool replayed, bool answeredNow, CancellationToken ct)
    {
        CallUnit? lead = matter.LeadUnitCode is { } code ? await UnitAsync(code, ct) : null;
        CallUnit? suggested = null;
        string? category = null;
        if (matter.Status == Status.Received)
        {
            // What the queue will show for it: the same advisor a dispatch records.
            var advice = await advisor.AdviseAsync(matter, ct);
            suggested = advice?.LeadUnitCode is { } s ? await UnitAsync(s, ct) : null;
            category = advice?.Category;
        }
        var answered = answeredNow && matter.Status == Status.Closed;
        return new CallReceipt(matter.Id, matter.Number, matter.Status, matter.Version, queryCode, answered, lead, suggested, category, replayed);
    }

    private async Task<CallUnit?> UnitAsync(string code, CancellationToken ct) =>
        await units.FindAsync(code, ct) is { } u ? new CallUnit(u.Code, u.Name) : new CallUnit(code, code);

    /// <summary>
    /// As the operator types: the place the location (else a place the title or content names in the home city) resolves
    /// to, as registration will resolve it, and the open matters there like the call (<see cref="Duplicates"/>, the
    /// queue's finder, within what the operator sees).
    /// </summary>
    public async Task<Result<CallLookup>> LookupAsync(string? location, string? title, string? content, Actor actor, CancellationToken ct)
    {
        if (Refuses(actor) is { } forbidden) return forbidden;
        var problems = new List<string>();
        if (location is { Length: > GeoApi.MaxQuery }) problems.Add($"location is at most {GeoApi.MaxQuery} characters / 地址过长");
        if (title is { Length: > 200 }) problems.Add("title is at most 200 characters / 标题不超过200字");
        if (content is { Length: > MaxLookupText }) problems.Add($"content is at most {MaxLookupText} characters here / 内容过长");
        if (Text.HasControlCharacters(location, title, content)) problems.Add("text may not contain control characters / 文本含有非法控制字符");
        if (problems.Count > 0) return Error.Validation(string.Join("; ", problems));
        var place = geo.ResolveTerritory(location, title, content);
        if (place.Code is null || (Text.OrNull(title) is null && Text.OrNull(content) is null)) return new CallLookup(place, []);
        // The call as it would be registered now, never saved: the finder compares it with the open matters of its place.
        var call = new Matter
        {
            Number = "",
            Kind = "complaint",
            Channel = Channel,
            Title = title ?? "",
            Content = content ?? "",
            Urgency = "normal",
            Status = Status.Received,
            TerritoryCode = place.Code,
            ReceivedAt = time.Now(),
        };
        return new CallLookup(place, await duplicates.FindAsync(call, actor, 5, ct));
    }

    private static bool IsPhone(string phone)
    {
        var digits = phone.Count(char.IsAsciiDigit);
        return digits is >= 5 and <= 20 && phone.All(ch => char.IsAsciiDigit(ch) || ch is ' ' or '+' or '-');
    }
}
