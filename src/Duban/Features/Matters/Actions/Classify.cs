using Duban.Common;
using Duban.Data;
using Duban.Features.Geo;

namespace Duban.Features.Matters.Actions;

public sealed record ClassifyRequest(int? Version, string? Category, string? TerritoryCode, string? SubjectUnitCode, string? SubjectPerson,
    bool? Confidential, string? Note);

/// <summary>
/// 分类定性: before dispatch, the dispatcher sets or corrects what intake could not know: the
/// category, the place, the unit or person reported on, and whether the report is confidential.
/// The protections of a reporter depend on the subject being known, so a citizen's complaint
/// "about 某局" becomes one that 某局 can never see the raiser of. Only the fields sent change;
/// an empty string clears one. Allowed while the matter waits for dispatch (received, returned).
/// Protection only goes up easily: a dispatcher may name a subject or make a report
/// confidential; changing or clearing a subject, or lifting confidentiality, takes a supervisor and
/// a reason; nobody classifies a matter about their own organisation, or makes it about it.
/// </summary>
public sealed class Classify(MatterWorkflow workflow, GeoService geo) : MatterAction<Classify, ClassifyRequest>, IDescribedAction
{
    public const string Name = "classify";

    /// <summary>Offered on the queue, where matters wait (QueuePage), not as a form of the matter page.</summary>
    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Correct, typeof(ClassifyRequest), new("分类定性", "Classify"),
        [new(Name, new("分类定性", "Classified"))], []);

    public override Task<Result<Matter>> ExecuteAsync(long id, ClassifyRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, async (step, ct) =>
        {
            var m = step.Matter;
            var error = Check(workflow.Scope, actor, m)
                ?? (req is { Category: null, TerritoryCode: null, SubjectUnitCode: null, SubjectPerson: null, Confidential: null }
                    ? Error.Validation("nothing to classify: send category, territoryCode, subjectUnitCode, subjectPerson or confidential") : null)
                ?? (req.Category is { Length: > 100 } ? Error.Validation("category is at most 100 characters") : null)
                ?? (req.SubjectPerson is { Length: > 100 } ? Error.Validation("subjectPerson is at most 100 characters") : null)
                ?? (req.TerritoryCode is { Length: > 0 } t && !(t.Length is 6 or 9 or 12 && t.All(char.IsAsciiDigit))
                    ? Error.Validation("territoryCode must be a 6, 9 or 12 digit division code") : null)
                ?? (req.TerritoryCode is { Length: > 0 } code && geo.Gazetteer.Divisions.Find(code) <= 0
                    ? Error.Validation($"territoryCode {code} is not a known division / 行政区划代码 {code} 不存在") : null);
            if (error is not null) return error;
            if (req.SubjectUnitCode is { Length: > 0 } subject)
            {
                if (await workflow.Units.FindAsync(subject, ct) is null) return Error.Validation($"subjectUnitCode {subject} is not a known unit");
                if (actor.UnitChain.Contains(subject))
                    return Error.Conflict("subject_unit", "不能将事项定性为反映本单位，请由上级处理 / a matter about your own unit goes to the level above");
            }
            // Protection is raised by any dispatcher; lowering it (another or no subject, or no
            // longer confidential) takes a supervisor and a reason, recorded in the event.
            var weakens = (m.SubjectUnitCode is not null && req.SubjectUnitCode is not null && Text.OrNull(req.SubjectUnitCode) != m.SubjectUnitCode)
                || (m.Confidential && req.Confidential == false);
            if (weakens && !actor.Has(Roles.Supervisor))
                return Error.Forbidden("更改或撤销被反映单位、取消保密须由督办人员决定 / only a supervisor may change the subject or lift confidentiality");
            if (weakens && Text.OrNull(req.Note) is null)
                return Error.Validation("note is required to change the subject or lift confidentiality / 请说明理由");
            // Staff below the city place matters within their own territory, as they register them.
            if (req.TerritoryCode is not null && !workflow.Scope.IsCityWide(actor) && actor.TerritoryCode.Length > 0
                && !(Text.OrNull(req.TerritoryCode) is { } place && place.StartsWith(MatterScope.TerritoryPrefix(actor.TerritoryCode), StringComparison.Ordinal)))
                return Error.Validation($"territoryCode must lie within your territory {actor.TerritoryCode} / 只能定位到本辖区");
            if (req.Category is not null) m.Category = Text.OrNull(req.Category);
            if (req.TerritoryCode is not null) m.SetTerritory(Text.OrNull(req.TerritoryCode));
            if (req.SubjectUnitCode is not null) m.SubjectUnitCode = Text.OrNull(req.SubjectUnitCode);
            if (req.SubjectPerson is not null) m.SubjectPerson = Text.OrNull(req.SubjectPerson);
            if (req.Confidential is { } confidential) m.Confidential = confidential;
            step.Reason = Text.OrNull(req.Note);
            step.Details["categoryConfirmed"] = req.Category is not null;
            step.Details["subjectUnitCode"] = m.SubjectUnitCode;
            step.Details["confidential"] = m.Confidential;
            return null;
        }, ct);

    /// <summary>May the actor classify the matter now (a dispatcher or supervisor, while it waits, not about their own organisation)?</summary>
    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter) is null;

    private static Error? Check(MatterScope scope, Actor actor, Matter m) =>
        ActionRules.RequireStatus("分类定性/classify", m, Status.Received, Status.Returned)
        ?? (scope.Coordinates(actor) ? null : ActionRules.NotYours("分类定性"))
        // A matter about the classifier's own organisation is classified by the level above.
        ?? (MatterScope.IsInSubject(actor, m) ? Error.Forbidden("反映本单位的事项由上级定性 / a matter about your own unit is classified by the level above") : null);
}
