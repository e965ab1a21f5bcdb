using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Geo;

namespace Duban.Features.Matters.Actions;

/// <summary>The new place: a division <c>code</c>, or a <c>text</c> to resolve (one of them), and why.</summary>
public sealed record RelocateRequest(int? Version, string? Code, string? Text, string? Reason);

/// <summary>
/// 更正属地: staff correct the place a matter belongs to (属地管理), in any state but merged. The
/// city's dispatchers, supervisors and administrators may set any division; the same roles of a
/// county or town move a matter placed in their own territory to another division inside it. Handlers and leaders do not. The county follows the
/// territory (<see cref="Matter.SetTerritory"/>), and so does every assignment's county-crossing
/// mark, which the county lists are served from and audit verify checks.
/// </summary>
public sealed class Relocate(MatterWorkflow workflow, GeoService geo) : MatterAction<Relocate, RelocateRequest>, IDescribedAction
{
    public const string Name = "territory";
    public const string EventName = "territory_corrected";
    public const int MaxText = 500;

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Correct, typeof(RelocateRequest), new("更正属地", "Correct the place"),
        [new(EventName, new("更正属地", "Place corrected"))],
        [new("relocate", new("更正属地", "Correct the place"), typeof(Forms.RelocateForm), Forms.RelocateForm.Read)]);

    public override Task<Result<Matter>> ExecuteAsync(long id, RelocateRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, EventName, (step, _) => Task.FromResult(Apply(step, req, actor)), ct);

    private Error? Apply(ActionStep step, RelocateRequest req, Actor actor)
    {
        var m = step.Matter;
        var error = Check(workflow.Scope, actor, m) ?? ActionRules.RequireReason(req.Reason);
        if (error is not null) return error;

        var divisions = geo.Gazetteer.Divisions;
        var code = Text.OrNull(req.Code);
        var text = Text.OrNull(req.Text);
        GeoMatch? found = null;
        switch (code, text)
        {
            case (null, null):
                return Error.Validation("code or text is required / 请提供行政区划代码或地址");
            case ({ }, { }):
                return Error.Validation("send code or text, not both / 行政区划代码与地址只能填写一项");
            case ({ } c, null):
                // Find takes only codes of 6, 9 or 12 digits that name a place.
                if (divisions.Find(c) <= 0)
                    return Error.Validation($"code {c} is not a known division (6, 9 or 12 digits) / 行政区划代码 {c} 不存在");
                break;
            case (null, { } t):
                if (t.Length > MaxText) return Error.Validation($"text is at most {MaxText} characters");
                found = geo.Resolve(t);
                if (found.Code is null) return Error.Validation("text names no known place / 未能从地址识别出行政区划");
                code = found.Code;
                break;
        }

        // Below the city: only within one's territory (the matter is placed in it: Check).
        if (!workflow.Scope.IsCityWide(actor) && !code!.StartsWith(MatterScope.TerritoryPrefix(actor.TerritoryCode), StringComparison.Ordinal))
            return Error.Validation($"code {code} lies outside your territory {actor.TerritoryCode} / 只能更正到本辖区");
        if (code == m.TerritoryCode)
            return Error.Conflict("no_change", $"事项属地已是 {code} / the matter's territory is already {code}");

        var before = Place(divisions, m.TerritoryCode);
        m.SetTerritory(code);
        // Derived from the territory like the county: the county lists are served from it, audit verify checks it.
        foreach (var a in m.Assignments) a.CrossesCounty = Assignment.Crosses(a.UnitTerritoryCode, m.CountyCode);
        step.Reason = req.Reason!.Trim();
        var after = Place(divisions, code);
        if (found is not null)
        {
            after["text"] = text;
            after["confidence"] = Math.Round(found.Confidence, 3);
        }
        step.Details["territory"] = new JsonObject { ["before"] = before, ["after"] = after };
        return null;
    }

    /// <summary>
    /// May the actor correct the matter's place now (any state but merged; a dispatcher, supervisor
    /// or administrator, not of the unit it reports on; below the city, only a matter placed in
    /// their own territory)?
    /// </summary>
    public override bool Allows(ActionContext context) => Check(context.Scope, context.Actor, context.Matter) is null;

    private static Error? Check(MatterScope scope, Actor actor, Matter m)
    {
        // A merged matter lives on in its target; its place is the target's.
        if (m.Status == Status.Merged) return ActionRules.Refuse("更正属地/relocate", m);
        if (!actor.HasAny(Roles.Dispatcher, Roles.Supervisor, Roles.Admin)) return ActionRules.NotYours("更正属地");
        // As with classify: a matter about one's own organisation is placed by the level above.
        if (MatterScope.IsInSubject(actor, m))
            return Error.Forbidden("反映本单位的事项由上级更正属地 / a matter about your own unit is placed by the level above");
        // Below the city: only a matter already placed in one's territory. A matter with no place,
        // or placed at city level, or another county's that one only helps with, is the city's to
        // place: otherwise a unit holding a share could take it over.
        if (scope.IsCityWide(actor)) return null;
        var own = MatterScope.TerritoryPrefix(actor.TerritoryCode);
        return own.Length == 0 || m.TerritoryCode is not { } current || !current.StartsWith(own, StringComparison.Ordinal)
            ? Error.Forbidden($"事项属地不在本辖区，由市级更正 / the matter is not placed in your territory {actor.TerritoryCode}; the city places it")
            : null;
    }

    private static JsonObject Place(Divisions divisions, string? code)
    {
        var view = MatterQueries.Territory(divisions, code);
        return new JsonObject
        {
            ["code"] = code,
            ["path"] = view is null ? null : new JsonArray([.. view.Path.Select(p => JsonValue.Create(p))]),
        };
    }
}
