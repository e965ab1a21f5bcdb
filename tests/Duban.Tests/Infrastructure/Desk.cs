using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Units;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Infrastructure;

/// <summary>
/// The people of one deployment at their desks (<c>factory.Desk</c>): an HTTP client per account,
/// made when first asked for and kept. The demo's city roles by name, a county's supervisor
/// (<c>s-&lt;county&gt;</c>), a unit's handler (<c>h-&lt;unit&gt;</c>), or any account by username.
/// A client signs in at its first request, and again after the deployment forgets its sign-ins
/// (<see cref="MoveTo"/>: a clock moved past their lifetime), so a test never holds an expired one.
/// </summary>
public sealed class Desk(DubanFactory factory)
{
    private readonly ConcurrentDictionary<string, HttpClient> clients = new(StringComparer.Ordinal);

    public DubanFactory Factory => factory;

    /// <summary>江门市12345政务服务便民热线中心: registers and dispatches.</summary>
    public HttpClient Dispatcher => As("dispatcher");

    /// <summary>The city's supervision office (督查室).</summary>
    public HttpClient Supervisor => As("supervisor");

    public HttpClient Leader => As("leader");

    public HttpClient Admin => As("admin");

    /// <summary>The supervisor of a county's government (<c>s-440781</c>: 台山市人民政府), who sees the county's matters.</summary>
    public HttpClient CountySupervisor(string county) => As("s-" + county);

    /// <summary>The handler of a unit (<c>h-440781-rsj</c>: 台山市人社局), who sees what is assigned to it.</summary>
    public HttpClient Handler(string unit) => As("h-" + unit);

    /// <summary>Any account, by username.</summary>
    public HttpClient As(string username) => clients.GetOrAdd(username, name =>
        factory.CreateDefaultClient(new RedirectHandler(), new CookieContainerHandler(), new SignedIn(factory, name)));

    /// <summary>A matter to make through the API, registered by the dispatcher unless said otherwise.</summary>
    public MatterBuilder Matter(NewMatter matter) => new(this, matter);

    /// <summary>The actor a username acts as, for the services of <paramref name="scope"/> called in process.</summary>
    public async Task<Actor> ActorAsync(AsyncServiceScope scope, string username)
    {
        var db = factory.Db(scope);
        var userId = await db.Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync();
        return (await DubanAuthenticationHandler.LoadActorAsync(db, scope.ServiceProvider.GetRequiredService<UnitDirectory>(), userId, default))!;
    }

    /// <summary>
    /// A department of the test's own under 台山市人民政府 (so what it holds is exactly what the test gave
    /// it), coded <c>&lt;prefix&gt;-</c> and eight hex digits and named <paramref name="name"/> and its code,
    /// with an account <c>&lt;code&gt;-&lt;suffix&gt;</c> for each of <paramref name="accounts"/> (roles comma-separated).
    /// Returns the unit's code.
    /// </summary>
    public async Task<string> NewUnitAsync(string prefix, string name, string? email, params (string Suffix, string Roles)[] accounts)
    {
        var code = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        await using (var scope = factory.Scope())
        {
            var db = factory.Db(scope);
            // Through the audited path, as every change is: its event records the unit's state (verify holds the row to it).
            await Fixture(scope, () => db.Units.Add(new Duban.Data.Unit { Code = code, Name = name + code, Kind = "department", ParentCode = "440781", TerritoryCode = "440781", Email = email }));
        }
        factory.Services.GetRequiredService<UnitDirectory>().Invalidate();
        foreach (var (suffix, roles) in accounts) await AccountAsync($"{code}-{suffix}", "测试" + suffix, code, roles);
        return code;
    }

    /// <summary>An account the demo does not have, with the demo's password, made unless it is there already.</summary>
    public async Task AccountAsync(string username, string displayName, string unit, string roles)
    {
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        if (await db.Users.AnyAsync(u => u.Username == username)) return;
        await Fixture(scope, () => db.Users.Add(new Duban.Data.User
        {
            Username = username,
            DisplayName = displayName,
            UnitCode = unit,
            Roles = roles,
            PasswordHash = Passwords.Hash(DubanFactory.Password, DubanFactory.PasswordIterations),
            CreatedAt = factory.Clock.GetUtcNow(),
        }));
    }

    /// <summary>Rows a test sets up, added as one audited change (the event records their states, Features/Audit EntityStates).</summary>
    private static async Task Fixture(AsyncServiceScope scope, Action add)
    {
        var change = scope.ServiceProvider.GetRequiredService<Duban.Features.Audit.AuditedChange>();
        var done = await change.RunAsync<bool>(() =>
        {
            add();
            return Task.FromResult<Duban.Common.Result<Duban.Features.Audit.ChangeMade<bool>>>(new Duban.Features.Audit.ChangeMade<bool>(true,
                [new Duban.Features.Audit.AuditEvent(Duban.Common.Actor.System(), "test_fixture", [])], []));
        });
        if (!done.IsSuccess) throw new InvalidOperationException(done.Error!.Message);
    }

    /// <summary>Moves the deployment's clock to <paramref name="when"/>; everyone signs in again there (tokens expire).</summary>
    public void MoveTo(DateTimeOffset when)
    {
        factory.Clock.Advance(when - factory.Clock.GetUtcNow());
        factory.ForgetSignIns();
    }

    /// <summary>Puts the account's current token on every request.</summary>
    private sealed class SignedIn(DubanFactory factory, string username) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await factory.TokenAsync(username));
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
