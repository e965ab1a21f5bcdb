using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Web;
using static Duban.Common.ApiResults;

namespace Duban.Features.PhoneDesk;

/// <summary>
/// The phone desk over HTTP: <c>POST /api/v1/calls</c> logs a call (answered on the spot, or routed), and
/// <c>GET /api/v1/calls/lookup</c> answers the form as the operator types (the place, possible duplicates).
/// Operators (dispatchers) and supervisors only.
/// </summary>
public static class CallsApi
{
    public static RouteGroupBuilder MapCallsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/calls").RequireAuthorization().WithTags("Calls");
        g.MapPost("/", async (CallRequest? r, HttpContext http, CallDesk desk, CancellationToken ct) =>
            {
                if (r is null) return Problem(Error.Validation("a JSON body is required / 请求内容不能为空"));
                var result = await desk.RegisterAsync(r, http.Actor(), MattersApi.IdempotencyKey(http), ct);
                if (!result.IsSuccess) return Problem(result.Error!);
                var body = result.Value!;
                return body.Replayed ? Results.Ok(body) : Results.Created($"/api/v1/matters/{body.Id}", body);
            })
            .WithSummary("Log a phone call (channel phone): with answer, answered on the spot (closed at once, 直接答复); without, routed as the portal's reports are")
            .Produces<CallReceipt>(201).ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/lookup", async (string? location, string? title, string? content, HttpContext http, CallDesk desk, CancellationToken ct) =>
                ToHttp(await desk.LookupAsync(location, title, content, http.Actor(), ct)))
            .WithSummary("As the operator types: the place the words resolve to and the open matters like the call there")
            .Produces<CallLookup>().ProducesProblem(400).ProducesProblem(403);
        return api;
    }

    /// <summary>The desk's services, action and console entry: one line in Hosting/DubanServices.cs.</summary>
    public static IServiceCollection AddPhoneDesk(this IServiceCollection services)
    {
        services.AddScoped<CallDesk>();
        services.AddMatterAction<AnswerOnTheSpot>();
        services.AddConsoleNav(new ConsoleNavEntry(CallPage.Address, new("电话登记", "Phone desk"), a => a.HasAny(Roles.Dispatcher, Roles.Supervisor)));
        return services;
    }
}
