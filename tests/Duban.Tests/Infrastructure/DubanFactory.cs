using System.Net.Http.Headers;
using System.Net.Http.Json;
using Duban.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Duban.Tests.Infrastructure;

/// <summary>
/// Duban on a real database: SQLite in a temporary folder, or a fresh database on the
/// PostgreSQL server named by DUBAN_TEST_POSTGRES when DUBAN_TEST_PROVIDER=postgres (test.sh
/// starts one). The Jiangmen demo is loaded once; tests create their own matters in it.
/// </summary>
public sealed class DubanFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Password = "test-password-1";

    /// <summary>
    /// The tests' password work factor: the suite signs in hundreds of times, at 600,000 iterations each
    /// (the default, tested in PasswordHashTests with its upgrade) it would spend minutes hashing.
    /// </summary>
    public const int PasswordIterations = 10_000;
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "duban-test-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly bool ownsDatabase = true;
    private string? postgresDatabase;

    public DubanFactory()
    {
    }

    /// <summary>Another node of the same deployment: same database, same data directory (keys).</summary>
    private DubanFactory(DubanFactory first)
    {
        dataDirectory = first.dataDirectory;
        ConnectionString = first.ConnectionString;
        Clock = first.Clock;
        ownsDatabase = false;
    }

    public async Task<DubanFactory> SecondNodeAsync()
    {
        var node = Sibling();
        await node.InitializeAsync();
        return node;
    }

    /// <summary>Another node over the same database and data directory, not started yet.</summary>
    public DubanFactory Sibling() => new(this);

    /// <summary>Settings to apply before start, for tests of start-up itself.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>
    /// Background services this deployment does not run (a test that takes their steps itself). Never
    /// started rather than stopped after the start: since .NET 10 a BackgroundService's ExecuteAsync runs
    /// in Task.Run, and one stopped before that task began ends canceled, which stops the whole host.
    /// </summary>
    public HashSet<Type> WithoutHostedServices { get; } = [];

    public TestClock Clock { get; private set; } = new(DateTimeOffset.UtcNow);

    /// <summary>Services this deployment adds before start (a module registered only in a test host).</summary>
    public List<Action<IServiceCollection>> WithServices { get; } = [];

    /// <summary>A deployment whose clock starts at <paramref name="start"/> (before it is started).</summary>
    public static DubanFactory StartingAt(DateTimeOffset start) => new() { Clock = new TestClock(start) };
    public static string Provider => Environment.GetEnvironmentVariable("DUBAN_TEST_PROVIDER") is { Length: > 0 } p ? p : "sqlite";
    public string? ConnectionString { get; private set; }

    public async Task InitializeAsync()
    {
        await CreateDatabaseAsync();
        // Starting the server runs the schema scripts and loads the demo.
        _ = Server;
    }

    /// <summary>Creates this factory's own PostgreSQL database (SQLite needs nothing); does not start the host.</summary>
    public async Task CreateDatabaseAsync()
    {
        if (Provider == "postgres" && ownsDatabase && ConnectionString is null)
        {
            var server = Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES")
                ?? throw new InvalidOperationException("DUBAN_TEST_PROVIDER=postgres needs DUBAN_TEST_POSTGRES (test.sh sets it)");
            postgresDatabase = "duban_test_" + Guid.NewGuid().ToString("N")[..12];
            await using (var conn = new NpgsqlConnection(server))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE {postgresDatabase}", conn);
                await cmd.ExecuteNonQueryAsync();
            }
            ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = postgresDatabase }.ToString();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Duban:DataDirectory", dataDirectory);
        builder.UseSetting("Duban:Database:Provider", Provider);
        if (ConnectionString is not null) builder.UseSetting("Duban:Database:ConnectionString", ConnectionString);
        builder.UseSetting("Duban:Demo:Password", Password);
        builder.UseSetting("Duban:Demo:Seed", "true"); // PostgreSQL does not load the demo unless asked

        builder.UseSetting("Duban:RateLimits:PublicPerMinute", "100000");
        builder.UseSetting("Duban:RateLimits:LoginPerMinute", "100000");
        builder.UseSetting("Duban:Auth:PasswordIterations", PasswordIterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // A node started late over the shared database could learn from other tests' matters and
        // dispatch on its own; the tests of auto-dispatch turn it on in their own deployment.
        builder.UseSetting("Duban:Dispatch:AutoDispatch", "false");
        // The supervision job would add events and notifications under other tests' feet; its
        // tests take the steps themselves (SupervisionSteps.RunAsync) on a clock they move.
        builder.UseSetting("Duban:Supervision:Job", "false");
        // Likewise the key projects' monthly report duties (a matter a month per project): their tests open them themselves.
        builder.UseSetting("Duban:Projects:Job", "false");
        // Likewise the tally job (its own clock, not the test's): without it the pages count live; the
        // tally's tests bring the counters up to date themselves (Tallies.CatchUpAsync).
        builder.UseSetting("Duban:Tally:Job", "false");
        // The demo's 2025 proposals session (some 750 steps) would double every deployment's start; the
        // proposals' figures tests start a deployment of their own with it (Features/Proposals).
        builder.UseSetting("Duban:Proposals:DemoSession", "false");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            foreach (var add in WithServices) add(services);
            foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType is { } t && WithoutHostedServices.Contains(t)).ToList())
                services.Remove(hosted);
        });
        // Expected failures (refused SQL in the append-only tests) need no log; real ones fail the test.
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None));
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (!ownsDatabase) return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(Environment.GetEnvironmentVariable("DUBAN_TEST_POSTGRES"));
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {postgresDatabase} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
    }

    /// <summary>A scope with Duban's services over the test database (for verifying and tampering).</summary>
    public AsyncServiceScope Scope() => Services.CreateAsyncScope();

    public DubanDb Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<DubanDb>();

    /// <summary>Verifies the whole chain of the test database with the deployment's audit key.</summary>
    public Task<Duban.Features.Audit.AuditReport> Verify(DubanDb db) =>
        Duban.Features.Audit.AuditVerifier.VerifyAsync(db, Services.GetRequiredService<Duban.Features.Audit.AuditKey>(),
            Services.GetRequiredService<Duban.Features.Matters.MatterClock>(),
            new Duban.Features.Audit.VerifyWith(AnchorFile, Services.GetRequiredService<Duban.Features.Sealing.Sealer>()));

    /// <summary>The deployment's anchor file (Features/Audit, AuditAnchors): under the test's data directory.</summary>
    public string AnchorFile => Duban.Features.Audit.AuditAnchors.PathOf(Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>());

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> tokens = new(StringComparer.Ordinal);
    private Desk? desk;

    /// <summary>Forgets the sign-ins, for a test whose clock has moved past their lifetime.</summary>
    public void ForgetSignIns() => tokens.Clear();

    /// <summary>The people of this deployment, each signed in when first asked for (<see cref="Infrastructure.Desk"/>).</summary>
    public Desk Desk => desk ?? Interlocked.CompareExchange(ref desk, new Desk(this), null) ?? desk;

    /// <summary>An HTTP client signed in as a demo account.</summary>
    public async Task<HttpClient> As(string username)
    {
        var client = CreateClient();
        if (!tokens.TryGetValue(username, out var token)) tokens[username] = token = await SignInAsync(client, username);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The bearer token of an account: signed in on first use, kept until the sign-ins are forgotten.</summary>
    public async Task<string> TokenAsync(string username)
    {
        if (tokens.TryGetValue(username, out var token)) return token;
        using var client = CreateClient();
        return tokens[username] = await SignInAsync(client, username);
    }

    private static async Task<string> SignInAsync(HttpClient client, string username)
    {
        var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password = Password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<LoginBody>())!.Token;
    }

    /// <summary>An HTTP client signed in as 台山's administrator (a-440781), an account the demo does not have: made on first use.</summary>
    public async Task<HttpClient> AsCountyAdmin()
    {
        await Desk.AccountAsync("a-440781", "台山市管理员", "440781", "admin");
        return await As("a-440781");
    }

    private sealed record LoginBody(string Token);
}

public sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;
    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime(); // UTC, as TimeProvider promises (a start given at +08:00 too)
    public void Advance(TimeSpan by) => now = now.Add(by);
}

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<DubanFactory>
{
    public const string Name = "database";
}
