using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;

namespace Duban.Features.Users;

/// <summary>Accounts' administration over HTTP (/api/v1/admin/users).</summary>
public static class UsersApi
{
    public sealed record VersionRequest(string? Version);

    public static RouteGroupBuilder MapUsersApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/admin/users").RequireAuthorization().WithTags("Administration");
        g.MapGet("", ListAsync).Produces<Matters.PageOf<UserView>>().ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/{id:long}", GetAsync).Produces<UserView>().ProducesProblem(403).ProducesProblem(404);
        g.MapPost("", AddAsync).Produces<UserAdded>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
        g.MapPut("/{id:long}", ChangeAsync).Produces<UserView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapPost("/{id:long}/deactivate", (long id, VersionRequest? request, HttpContext http, UserChanges changes, CancellationToken ct) =>
            SetActiveAsync(id, false, request, http, changes, ct)).Produces<UserView>().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapPost("/{id:long}/reactivate", (long id, VersionRequest? request, HttpContext http, UserChanges changes, CancellationToken ct) =>
            SetActiveAsync(id, true, request, http, changes, ct)).Produces<UserView>().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        g.MapPost("/{id:long}/reset-password", ResetAsync).Produces<PasswordReset>().ProducesProblem(403).ProducesProblem(404);
        return api;
    }

    private static async Task<IResult> ListAsync(string? unit, string? role, string? q, bool? active, int? page, int? pageSize,
        HttpContext http, UserQueries queries, CancellationToken ct)
    {
        var result = await queries.ListAsync(new UserFilter(unit, role, q, active, page ?? 1, pageSize ?? 20), http.Actor(), ct);
        return result.IsSuccess ? Results.Ok(result.Value) : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> GetAsync(long id, HttpContext http, UserQueries queries, CancellationToken ct)
    {
        var result = await queries.GetAsync(id, http.Actor(), ct);
        return result.IsSuccess ? Results.Ok(result.Value) : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> AddAsync(AddUserRequest request, HttpContext http, UserChanges changes, CancellationToken ct)
    {
        var result = await changes.AddAsync(request, http.Actor(), ct);
        if (!result.IsSuccess) return ApiResults.Problem(result.Error!);
        NoStore(http);
        return Results.Created($"/api/v1/admin/users/{result.Value!.User.Id}", result.Value);
    }

    private static async Task<IResult> ChangeAsync(long id, ChangeUserRequest request, HttpContext http, UserChanges changes, CancellationToken ct)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString().Trim().Trim('"');
        if (string.IsNullOrEmpty(request.Version) && ifMatch.Length > 0) request = request with { Version = ifMatch };
        var result = await changes.ChangeAsync(id, request, http.Actor(), ct);
        return result.IsSuccess ? Results.Ok(result.Value) : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> SetActiveAsync(long id, bool active, VersionRequest? request, HttpContext http, UserChanges changes, CancellationToken ct)
    {
        var result = await changes.SetActiveAsync(id, active, request?.Version, http.Actor(), ct);
        return result.IsSuccess ? Results.Ok(result.Value) : ApiResults.Problem(result.Error!);
    }

    private static async Task<IResult> ResetAsync(long id, HttpContext http, UserChanges changes, CancellationToken ct)
    {
        var result = await changes.ResetPasswordAsync(id, http.Actor(), ct);
        if (!result.IsSuccess) return ApiResults.Problem(result.Error!);
        NoStore(http);
        return Results.Ok(result.Value);
    }

    /// <summary>An answer carrying a password is kept by no cache.</summary>
    private static void NoStore(HttpContext http) => http.Response.Headers.CacheControl = "no-store";
}
