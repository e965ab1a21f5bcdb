using Duban.Common;
using Duban.Data;

namespace Duban.Features.Matters.Actions;

public sealed record ProgressRequest(int? Version, string? Note, int? Progress);

/// <summary>办理进展: the lead or a co-handling unit reports what it has done; the lead may set the percentage.</summary>
public sealed class ReportProgress(MatterWorkflow workflow) : MatterAction<ReportProgress, ProgressRequest>, IDescribedAction
{
    public const string Name = "progress";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(ProgressRequest), new("报告进展", "Report progress"),
        [new(Name, new("报告进展", "Progress"))],
        [new(Name, new("报告进展", "Report progress"), typeof(Forms.ProgressForm),
            p => FormPost.Ok(new ProgressRequest(p.Version, p.Text("note"), p.Number("percent"))))]);

    public override Task<Result<Matter>> ExecuteAsync(long id, ProgressRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var lead = ActionRules.IsLeadUnit(actor, m);
            var error = Check(actor, m)
                ?? (string.IsNullOrWhiteSpace(req.Note) || req.Note.Length > 5000 ? Error.Validation("note is required, at most 5000 characters / 请填写进展") : null)
                ?? (req.Progress is { } p && (p < 0 || p > 100) ? Error.Validation("progress is a percentage from 0 to 100") : null)
                ?? (req.Progress is not null && !lead ? Error.Forbidden("only the lead unit sets the progress / 只有主办单位可以设置进度") : null);
            if (error is not null) return Task.FromResult<Error?>(error);
            if (req.Progress is { } value) m.Progress = value;
            m.LastProgressAt = step.Now;
            step.Reason = req.Note!.Trim();
            return Task.FromResult<Error?>(null);
        }, ct);

    /// <summary>May the actor report progress now (the lead or a co-handling unit, in progress)?</summary>
    public override bool Allows(ActionContext context) => Check(context.Actor, context.Matter) is null;

    private static Error? Check(Actor actor, Matter m) =>
        ActionRules.RequireStatus("报告进展/progress", m, Status.InProgress)
        ?? (ActionRules.IsLeadUnit(actor, m) || ActionRules.IsCoUnit(actor, m) ? null : ActionRules.NotYours("报告进展"));
}
