using System.Security.Cryptography;
using System.Text;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Rounds;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Intake;

/// <summary>
/// The public's door (no login): file a report, follow it with receipt and query code, and say
/// whether it was solved. Nothing internal leaves here: no handler or unit names, no notes.
/// A wrong code answers exactly as an unknown receipt does (404), so receipts cannot be probed.
/// </summary>
public static class PublicReportsApi
{
    /// <param name="SubjectUnitCode">A report to an inspection round (巡察): the organisation under inspection it is about (Features/Rounds).</param>
    public sealed record PublicReportRequest(string? Kind, string? Title, string? Content, string? Location, bool? Anonymous, string? Name, string? Phone,
        string? SubjectUnitCode = null);
    public sealed record PublicReceipt(string Receipt, string QueryCode);
    public sealed record PublicUpdate(DateTimeOffset At, string Status, string Message);
    /// <summary>
    /// What the raiser sees of their report. Added fields come last: <paramref name="Title"/>, the report's own title, and
    /// <paramref name="HandlingUnit"/>, once dispatched, the public name of the unit handling it (a unit, never a person).
    /// </summary>
    public sealed record PublicStatus(string Receipt, string Status, string StatusText, DateTimeOffset ReceivedAt, string? Reply, bool FeedbackGiven,
        IReadOnlyList<PublicUpdate> Updates, string? Title = null, string? HandlingUnit = null);
    public sealed record PublicFeedbackRequest(bool? Resolved, string? Satisfaction, string? Comment);

    public static RouteGroupBuilder MapPublicReportsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/public/reports").AllowAnonymous().RequireRateLimiting("public").WithTags("Public");
        g.MapPost("/", SubmitAsync).Produces<PublicReceipt>(201).ProducesProblem(400);
        g.MapGet("/{receipt}", StatusAsync).Produces<PublicStatus>().ProducesProblem(404);
        g.MapPost("/{receipt}/feedback", FeedbackAsync).Produces<PublicStatus>().ProducesProblem(404).ProducesProblem(409);
        return api;
    }

    private static async Task<IResult> SubmitAsync(PublicReportRequest r, HttpContext http, RegisterMatter register, IAutoDispatch auto, RoundQueries rounds,
        CancellationToken ct)
    {
        var result = await FileAsync(r, MattersApi.IdempotencyKey(http), register, auto, ct, rounds: rounds);
        if (!result.IsSuccess) return ApiResults.Problem(result.Error!);
        var (body, replayed) = result.Value;
        return replayed ? Results.Ok(body) : Results.Created($"/api/v1/public/reports/{body.Receipt}", body);
    }

    private static async Task<IResult> StatusAsync(string receipt, string? queryCode, DubanDb db, MatterActions actions, CancellationToken ct) =>
        await TrackAsync(db, actions, receipt, queryCode, ct) is { } status ? Results.Ok(status) : NotFound();

    private static async Task<IResult> FeedbackAsync(string receipt, string? queryCode, PublicFeedbackRequest r, DubanDb db,
        MatterWorkflow workflow, MatterActions actions, CancellationToken ct) =>
        await GiveFeedbackAsync(db, workflow, actions, receipt, queryCode, r, ct) is var result && result.IsSuccess
            ? Results.Ok(result.Value)
            : ApiResults.Problem(result.Error!);

    /// <summary>
    /// Files a citizen's report (the API and the portal's form): the receipt and query code, and
    /// whether it repeats an earlier submission with the same idempotency key.
    /// </summary>
    /// <param name="rounds">
    /// Needed when the report names <see cref="PublicReportRequest.SubjectUnitCode"/>: that makes it a
    /// report to an inspection round; the unit must be under inspection in a round in force, and the
    /// report is confidential (the inspected unit never learns who reported).
    /// </param>
    /// <param name="photos">Optional photos (the portal's form; at most 3 of 5 MB, checked and stripped by RegisterMatter).</param>
    public static async Task<Result<(PublicReceipt Receipt, bool Replayed)>> FileAsync(PublicReportRequest r, string? idempotencyKey,
        RegisterMatter register, IAutoDispatch auto, CancellationToken ct, IReadOnlyList<Attachments.PhotoUpload>? photos = null,
        RoundQueries? rounds = null)
    {
        if (!register.Kinds.IsPublic(r.Kind))
            return Error.Validation($"kind must be one of {string.Join(", ", register.Kinds.All.Where(k => k.Public).Select(k => k.Kind))} / 请选择事项类型");
        // Given (even blank: the inspection form sent with nothing chosen), it makes a report to an inspection round.
        var subject = Text.OrNull(r.SubjectUnitCode);
        if (r.SubjectUnitCode is not null && !register.Kinds.Misconduct(r.Kind))
            return Error.Validation("subjectUnitCode is for reports (kind report) to an inspection round / 向巡察组反映须为举报类");
        if (r.SubjectUnitCode is not null && (subject is null || subject.Length > 40 || rounds is null || await rounds.GroupInspectingAsync(subject, ct) is null))
            return Error.Validation("subjectUnitCode: choose an organisation under inspection in a round in force / 请选择正在巡察的被巡察单位（其他问题请通过一般渠道反映）");
        var anonymous = r.Anonymous ?? false;
        if (!anonymous && (string.IsNullOrWhiteSpace(r.Name) || string.IsNullOrWhiteSpace(r.Phone)))
            return Error.Validation("name and phone are required unless anonymous / 实名反映请填写姓名和电话，或选择匿名");
        var cmd = new RegisterCommand(r.Kind, "web", r.Title, r.Content, r.Location, Anonymous: anonymous,
            Raiser: anonymous ? null : new RaiserInput(r.Name, r.Phone), SubjectUnitCode: subject, Confidential: subject is null ? null : true);
        var result = await register.ExecuteAsync(cmd, Actor.Public, issueQueryCode: true, idempotencyKey, photos, ct);
        if (!result.IsSuccess) return result.Error!;
        var body = new PublicReceipt(result.Value!.Matter.Number, result.Value.QueryCode!);
        if (!result.Value.Replayed) await auto.TryAsync(result.Value.Matter.Id, ct);
        return (body, result.Value.Replayed);
    }

    /// <summary>The public view of a report, or null for an unknown receipt or a wrong code (the same answer).</summary>
    public static async Task<PublicStatus?> TrackAsync(DubanDb db, MatterActions actions, string receipt, string? queryCode, CancellationToken ct)
    {
        var matter = await FindAsync(db, receipt, queryCode, ct);
        return matter is null ? null : await ViewAsync(db, actions, matter, ct);
    }

    /// <summary>The raiser's feedback (回访) through the receipt and query code.</summary>
    public static async Task<Result<PublicStatus>> GiveFeedbackAsync(DubanDb db, MatterWorkflow workflow, MatterActions actions, string receipt, string? queryCode,
        PublicFeedbackRequest r, CancellationToken ct)
    {
        var matter = await FindAsync(db, receipt, queryCode, ct);
        if (matter is null) return NotFoundError;
        if (Text.HasControlCharacters(r.Comment, r.Satisfaction)) return Error.Validation("text may not contain control characters");
        var request = new FeedbackRequest(matter.Version, r.Resolved, r.Satisfaction, r.Comment);
        var result = await workflow.RunAsync(matter.Id, matter.Version, Actor.Public, Feedback.Name,
            (step, _) => Task.FromResult(Feedback.Apply(step, request, allowed: true)), ct, scopeProven: true);
        if (!result.IsSuccess) return result.Error!;
        return await ViewAsync(db, actions, result.Value!, ct);
    }

    private static async Task<Matter?> FindAsync(DubanDb db, string receipt, string? queryCode, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(queryCode) || receipt.Length > 40 || queryCode.Length > 40) return null;
        var matter = await db.Matters.AsNoTracking().FirstOrDefaultAsync(m => m.Number == receipt, ct);
        if (matter?.QueryCodeHash is null) return null;
        var given = Encoding.ASCII.GetBytes(RegisterMatter.QueryCodeHash(matter.Number, queryCode));
        return CryptographicOperations.FixedTimeEquals(given, Encoding.ASCII.GetBytes(matter.QueryCodeHash)) ? matter : null;
    }

    private static readonly Error NotFoundError = new(404, "not_found", "未找到该受理编号，或查询码不正确 / no report with this receipt and query code");

    private static IResult NotFound() => ApiResults.Problem(NotFoundError);

    /// <summary>
    /// Only the public milestones, each in the words its event's registration gives (MatterEventInfo.PublicMessage);
    /// an internal step (a return between units, a note) shows nothing.
    /// </summary>
    private static async Task<PublicStatus> ViewAsync(DubanDb db, MatterActions actions, Matter m, CancellationToken ct)
    {
        var events = await db.Events.AsNoTracking().Where(e => e.MatterId == m.Id).OrderBy(e => e.Seq)
            .Select(e => new MatterEvent { At = e.At, Action = e.Action, ToStatus = e.ToStatus, Reason = e.Reason, ActorName = "", Data = "", StateHash = "", PrevHash = "", Hash = "" })
            .ToListAsync(ct);
        var updates = new List<PublicUpdate>();
        foreach (var e in events)
        {
            var message = actions.Event(e.Action)?.PublicMessage?.Invoke(e);
            if (message is not null) updates.Add(new PublicUpdate(e.At, e.ToStatus ?? m.Status, message));
        }
        // The public sees a matter that is between units (returned, waiting for re-dispatch) as received.
        var status = m.Status == Status.Returned ? Status.Received : m.Status;
        var reply = m.Status == Status.Closed ? m.Outcome : m.Status == Status.Rejected ? m.StatusReason : null;
        if (m is { Status: Status.Merged, MergedIntoId: { } targetId })
        {
            // Joined to another report of the same matter: its raiser is answered by that one's reply.
            var target = await db.Matters.AsNoTracking().Where(t => t.Id == targetId).Select(t => new { t.Status, t.Outcome, t.ClosedAt }).SingleAsync(ct);
            if (target is { Status: Status.Closed, ClosedAt: { } closedAt })
            {
                reply = target.Outcome;
                updates.Add(new PublicUpdate(closedAt, Status.Closed, "合并办理的事项已办结 / the joined matter is closed"));
            }
        }
        // The unit handling it, once dispatched (a matter between units reads as received: none), by its name; never a person.
        string? handling = null;
        if (m.LeadUnitCode is { } lead && status is not (Status.Received or Status.Rejected or Status.Merged))
            handling = await db.Units.AsNoTracking().Where(u => u.Code == lead).Select(u => u.Name).FirstOrDefaultAsync(ct);
        return new PublicStatus(m.Number, status, Status.Chinese(status), m.ReceivedAt, reply, m.FeedbackSatisfaction is not null, updates, m.Title, handling);
    }
}
