using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.PhoneDesk;

/// <param name="Answer">What the caller was told (政策解答、办理指引…): the matter's outcome, on the audit chain and on the raiser's tracking page.</param>
public sealed record AnswerRequest(int? Version, string? Answer);

/// <summary>
/// 直接答复: the desk answers a matter on the spot (a caller's question the operator can settle while talking). The matter,
/// just registered and waiting for dispatch, is closed at once with the answer as its outcome, held by the answering
/// desk's unit: its lead assignment signed at once and the closure within any deadline. So it counts in the figures as
/// answered and closed (办结) by that unit, on time, and never sits in the dispatcher's queue. A report of misconduct
/// (举报) and a confidential matter are never answered at the desk: they are for the dispatcher to route.
/// </summary>
public sealed class AnswerOnTheSpot(MatterWorkflow workflow) : MatterAction<AnswerOnTheSpot, AnswerRequest>, IDescribedAction
{
    public const string Name = "answer";

    /// <summary>An answer is read to the caller: a few paragraphs at most.</summary>
    public const int MaxAnswer = 2000;

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(AnswerRequest), new("直接答复", "Answer on the spot"),
        [new(Name, new("直接答复", "Answered on the spot"), _ => "已直接答复 / answered on the spot")],
        [], Tag: "Calls",
        Summary: "直接答复: close a matter waiting for dispatch at once with the answer given (the caller's question settled at the desk); dispatchers and supervisors");

    public override Task<Result<Matter>> ExecuteAsync(long id, AnswerRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            if (Check(workflow.Scope, actor, m) is { } refused) return refused;
            if (CheckAnswer(req.Answer) is { } bad) return bad;
            // The desk's unit holds what it answered: one lead assignment, signed as it is given.
            var built = await Assignments.BuildAsync(workflow.Units, m, actor.UnitCode, null, step.Now, "", ct);
            if (!built.IsSuccess) return built.Error;
            var lead = built.Value![0];
            lead.AcceptedAt = step.Now;
            foreach (var a in m.Assignments) a.Active = false;
            m.Assignments.Add(lead);
            m.LeadUnitCode = lead.UnitCode;
            m.Outcome = req.Answer!.Trim();
            m.Progress = 100;
            m.Status = Status.Closed;
            m.StatusReason = null;
            m.ClosedAt = step.Now;
            MatterClock.Stop(m);
            step.Reason = m.Outcome;
            step.Details["answeredBy"] = lead.UnitCode;
            return null;
        }, ct);

    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter) is null;

    /// <summary>From received only; dispatchers and supervisors with a unit; never a report of misconduct or a confidential matter, nor one about a unit (it may be the desk's own).</summary>
    internal static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        ActionRules.RequireStatus("直接答复/answer", m, Status.Received)
        ?? (scope.Coordinates(actor) && actor.UnitCode.Length > 0 ? null : ActionRules.NotYours("直接答复"))
        ?? (m.Confidential || m.SubjectUnitCode is not null
            ? Error.Conflict("not_answerable", "举报和保密事项不能直接答复，须交办 / a report or a confidential matter is dispatched, never answered at the desk")
            : null);

    /// <summary>The answer: required, at most <see cref="MaxAnswer"/> characters.</summary>
    internal static Error? CheckAnswer(string? answer) =>
        string.IsNullOrWhiteSpace(answer) || answer.Trim().Length > MaxAnswer
            ? Error.Validation($"answer is required, at most {MaxAnswer} characters / 直接答复须填写答复内容，不超过{MaxAnswer}字")
            : Text.HasControlCharacters(answer) ? Error.Validation("answer may not contain control characters / 答复含有非法控制字符") : null;
}
