using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;

namespace Duban.Features.Rounds;

/// <summary>
/// Inspection rounds over HTTP (v1): the city's administrators keep them under /admin/rounds; the
/// public reads the rounds in force under /public/rounds (group names, duty phones, report
/// mailboxes and the names of the organisations inspected, as the announcement gives them; nothing else).
/// </summary>
public static class RoundsApi
{
    public sealed record PublicGroup(string Name, string? Phone, string? Email, IReadOnlyList<string> Inspects);

    public sealed record PublicRound(string Name, string From, string To, string? Period, IReadOnlyList<PublicGroup> Groups);

    public static RouteGroupBuilder MapRoundsApiV1(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin/rounds").RequireAuthorization().WithTags("Rounds");
        admin.MapGet("/", ListAsync).Produces<List<RoundView>>().ProducesProblem(403);
        admin.MapGet("/{id:long}", GetAsync).Produces<RoundView>().ProducesProblem(403).ProducesProblem(404);
        admin.MapPost("/", AddAsync).Produces<RoundView>(201).ProducesProblem(400).ProducesProblem(403);
        admin.MapPut("/{id:long}", EditAsync).Produces<RoundView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        admin.MapPost("/{id:long}/withdraw", WithdrawAsync).Produces<RoundView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);

        var open = api.MapGroup("/public/rounds").AllowAnonymous().RequireRateLimiting("public").WithTags("Public");
        open.MapGet("/", PublicAsync).Produces<List<PublicRound>>();
        return api;
    }

    private static async Task<IResult> ListAsync(HttpContext http, RoundQueries queries, CancellationToken ct) =>
        await queries.ListAsync(http.Actor(), ct) is var r && r.IsSuccess ? Results.Ok(r.Value) : ApiResults.Problem(r.Error!);

    private static async Task<IResult> GetAsync(long id, HttpContext http, RoundQueries queries, CancellationToken ct) =>
        await queries.GetAsync(id, http.Actor(), ct) is var r && r.IsSuccess ? Results.Ok(r.Value) : ApiResults.Problem(r.Error!);

    private static async Task<IResult> AddAsync(RoundRequest request, HttpContext http, RoundChanges changes, RoundQueries queries, CancellationToken ct)
    {
        var actor = http.Actor();
        var result = await changes.AddAsync(request, actor, ct);
        if (!result.IsSuccess) return ApiResults.Problem(result.Error!);
        var view = await queries.GetAsync(result.Value!.Id, actor, ct);
        return Results.Created($"/api/v1/admin/rounds/{result.Value.Id}", view.Value);
    }

    private static async Task<IResult> EditAsync(long id, RoundRequest request, HttpContext http, RoundChanges changes, RoundQueries queries, CancellationToken ct)
    {
        var actor = http.Actor();
        var result = await changes.EditAsync(id, request, actor, ct);
        return result.IsSuccess ? Results.Ok((await queries.GetAsync(id, actor, ct)).Value) : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> WithdrawAsync(long id, WithdrawRoundRequest request, HttpContext http, RoundChanges changes, RoundQueries queries,
        CancellationToken ct)
    {
        var actor = http.Actor();
        var result = await changes.WithdrawAsync(id, request, actor, ct);
        return result.IsSuccess ? Results.Ok((await queries.GetAsync(id, actor, ct)).Value) : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> PublicAsync(RoundQueries queries, CancellationToken ct) =>
        Results.Ok((await queries.InForceAsync(ct)).Select(r => new PublicRound(r.Name, RoundStore.Day(r.From), RoundStore.Day(r.To), r.Period,
            [.. r.Groups.Select(g => new PublicGroup(RoundQueries.Label(g.Group), g.Group.Phone, g.Group.Email, [.. g.Inspects.Select(RoundQueries.Label)]))])).ToList());
}

public static class RoundServices
{
    /// <summary>The rounds this node routes by (one per node), and the administrators' changes and the reads.</summary>
    public static IServiceCollection AddDubanRounds(this IServiceCollection services)
    {
        services.AddOptions<RoundOptions>().BindConfiguration(RoundOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RoundStore>();
        services.AddScoped<RoundChanges>();
        services.AddScoped<RoundQueries>();
        return services;
    }
}
