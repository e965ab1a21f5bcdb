using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;

namespace Duban.Features.Supervision;

/// <summary>The supervision API (v1): the clock's actions on a matter, the policies, the lights board.</summary>
public static class SupervisionApi
{
    public static RouteGroupBuilder MapSupervisionApiV1(this RouteGroupBuilder api)
    {
        var matters = api.MapGroup("/matters").RequireAuthorization().WithTags("Supervision");
        MattersApi.Action(matters, "pause", (long id, PauseRequest r, ClockPause a, HttpContext h, CancellationToken ct) => a.PauseAsync(id, r, h.Actor(), ct));
        MattersApi.Action(matters, "resume", (long id, VersionedRequest r, ClockPause a, HttpContext h, CancellationToken ct) => a.ResumeAsync(id, r, h.Actor(), ct));
        MattersApi.Action(matters, "key-supervision", (long id, KeySupervisionRequest r, KeySupervision a, HttpContext h, CancellationToken ct) => a.ExecuteAsync(id, r, h.Actor(), ct));
        MattersApi.Action(matters, "plan-required", (long id, ReasonRequest r, RectificationPlan a, HttpContext h, CancellationToken ct) => a.RequireAsync(id, r, h.Actor(), ct));
        MattersApi.Action(matters, "plan", (long id, PlanRequest r, RectificationPlan a, HttpContext h, CancellationToken ct) => a.SubmitAsync(id, r, h.Actor(), ct));
        MattersApi.Action(matters, "milestone", (long id, MilestoneDoneRequest r, RectificationPlan a, HttpContext h, CancellationToken ct) => a.DoneAsync(id, r, h.Actor(), ct));

        var g = api.MapGroup("/supervision").RequireAuthorization().WithTags("Supervision");
        g.MapGet("/policies", (SupervisionQueries q) => Results.Ok(q.Policies()))
            .Produces<IReadOnlyList<PolicyView>>().WithSummary("The time-limit policies in force, each with its rule");
        g.MapGet("/lights", async (string? by, SupervisionQueries q, HttpContext http, CancellationToken ct) =>
            await q.LightsAsync(by, http.Actor(), ct) is var r && r.IsSuccess ? Results.Ok(r.Value) : ApiResults.Problem(r.Error!))
            .Produces<LightBoard>().WithSummary("Open matters counted by light per lead unit or county, within the caller's scope");
        return api;
    }
}
