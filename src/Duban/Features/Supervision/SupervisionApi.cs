using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;

namespace Duban.Features.Supervision;

/// <summary>The supervision API (v1): the policies and the lights board.</summary>
public static class SupervisionApi
{
    public static RouteGroupBuilder MapSupervisionApiV1(this RouteGroupBuilder api)
    {
        // The clock's actions on a matter (pause, resume, key-supervision) are registered actions, mapped with the others (MattersApi).
        var g = api.MapGroup("/supervision").RequireAuthorization().WithTags("Supervision");
        g.MapGet("/policies", (SupervisionQueries q) => Results.Ok(q.Policies()))
            .Produces<IReadOnlyList<PolicyView>>().WithSummary("The time-limit policies in force, each with its rule");
        g.MapGet("/lights", async (string? by, SupervisionQueries q, HttpContext http, CancellationToken ct) =>
            await q.LightsAsync(by, http.Actor(), ct) is var r && r.IsSuccess ? Results.Ok(r.Value) : ApiResults.Problem(r.Error!))
            .Produces<LightBoard>().WithSummary("Open matters counted by light per lead unit or county, within the caller's scope");
        return api;
    }
}
