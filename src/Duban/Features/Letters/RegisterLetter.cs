using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Attachments;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Microsoft.Extensions.Options;

namespace Duban.Features.Letters;

/// <summary>
/// A letter or visit as the desk registers it (信访登记): <paramref name="Channel"/> <c>letter</c> (来信) or <c>visit</c>
/// (来访); <paramref name="ReceivedOn"/> the China date it was received (yyyy-MM-dd); <paramref name="Visitors"/> how many
/// came, a visit only; the raiser (or <paramref name="Anonymous"/>); what (<paramref name="Title"/>, <paramref name="Content"/>),
/// where (<paramref name="Location"/>, resolved as the portal resolves it), <paramref name="Kind"/>. The scanned pages come
/// as files (a multipart form's part <c>pages</c>), never in JSON.
/// </summary>
public sealed record LetterRequest(string? Channel, string? ReceivedOn, int? Visitors, string? Kind, string? Title, string? Content,
    string? Location, bool? Anonymous, string? RaiserName, string? RaiserPhone, bool? Confidential = null, string? Urgency = null)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<PhotoUpload>? Pages { get; init; }
}

/// <summary>The registered letter or visit: its matter, and the query code to give the raiser (shown once).</summary>
public sealed record LetterRegistered(long Id, string Number, string Status, int Version, string? QueryCode, int Pages, int? Visitors);

/// <summary>
/// Registers a letter or visit through <see cref="RegisterMatter"/>, so it takes the same validation, numbering, sealing
/// of the raiser, clock and first event as the portal; then <see cref="IAutoDispatch"/>, the same routing. The scanned
/// pages (PDF or images, <see cref="StaffFiles"/>) are stored in the registration's transaction and listed in its register
/// event; a signed letter's pages show who wrote it, so they are marked as identifying the raiser (only those who may read
/// the sealed raiser see them), unless the letter is anonymous.
/// </summary>
public sealed class RegisterLetter(RegisterMatter register, IAutoDispatch auto, IOptions<AttachmentOptions> options, TimeProvider time)
{
    public const string Letter = "letter";
    public const string Visit = "visit";

    /// <summary>The form's part holding the scanned pages, and the field their refusals name.</summary>
    public const string PagesField = "pages";

    /// <summary>The most visitors one visit records (a larger group chooses representatives: 信访工作条例 第二十二条, at most five; the rest are counted).</summary>
    public const int MaxVisitors = 1000;

    public async Task<Result<LetterRegistered>> ExecuteAsync(LetterRequest r, Actor actor, string? idempotencyKey, CancellationToken ct)
    {
        if (!actor.HasAny(Roles.Dispatcher, Roles.Supervisor, Roles.Leader))
            return Error.Forbidden("只有受理、督办人员和领导可以登记来信来访 / only dispatchers, supervisors and leaders register letters and visits");
        var problems = new List<string>();
        var channel = Text.OrNull(r.Channel);
        if (channel is not (Letter or Visit)) problems.Add("channel must be letter or visit / 渠道须为来信或来访");
        var now = time.Now();
        var today = Clock.ChinaDate(now);
        DateTimeOffset? receivedAt = null;
        if (Text.OrNull(r.ReceivedOn) is not { } on)
            problems.Add("receivedOn is required (yyyy-MM-dd) / 请填写收信或来访日期");
        else if (!DateOnly.TryParseExact(on, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            problems.Add("receivedOn must be a date, yyyy-MM-dd / 收信或来访日期格式不正确");
        else if (day > today)
            problems.Add("receivedOn must not lie in the future / 收信或来访日期不能晚于今天");
        else
            // Today: now. An earlier day: its first moment, so the time limits count from the day it came (never later).
            receivedAt = day == today ? now : Clock.StartOfChinaDay(day);
        if (channel == Visit && r.Visitors is not (>= 1 and <= MaxVisitors)) problems.Add($"visitors is required for a visit, 1 to {MaxVisitors} / 请填写来访人数");
        if (channel == Letter && r.Visitors is not null) problems.Add("visitors is for a visit only / 来信无需填写来访人数");
        var (pages, pageProblems) = StaffFiles.Check(r.Pages, options.Value, PagesField);
        problems.AddRange(pageProblems);
        if (problems.Count > 0) return Error.Validation(string.Join("; ", problems));

        var anonymous = r.Anonymous ?? false;
        var raiser = anonymous || (Text.OrNull(r.RaiserName) is null && Text.OrNull(r.RaiserPhone) is null)
            ? null : new RaiserInput(Text.OrNull(r.RaiserName), Text.OrNull(r.RaiserPhone));
        foreach (var page in pages)
        {
            page.Action = RegisterMatter.EventName;
            // A signed letter (or the visitors' own papers) names who raised it: sealed as the raiser is.
            page.IdentifiesRaiser = !anonymous;
        }
        var command = new RegisterCommand(r.Kind, channel, r.Title, r.Content, r.Location, Urgency: Text.OrNull(r.Urgency), ReceivedAt: receivedAt,
            Anonymous: anonymous, Raiser: raiser, Confidential: r.Confidential);
        var visitors = channel == Visit ? r.Visitors : null;
        // A named raiser gets a receipt and query code to follow the matter on the portal, as a caller does.
        var registered = await register.ExecuteAsync(command, actor, issueQueryCode: raiser is not null, idempotencyKey, pages,
            m => [new Letter { MatterId = m.Id, Channel = channel!, Visitors = visitors, Pages = pages.Count }], ct);
        if (!registered.IsSuccess) return registered.Error!;
        var matter = registered.Value!.Matter;
        if (!registered.Value.Replayed && await auto.TryAsync(matter.Id, ct) is { } dispatched) matter = dispatched;
        return new LetterRegistered(matter.Id, matter.Number, matter.Status, matter.Version, registered.Value.QueryCode, pages.Count, visitors);
    }
}
