using System.Threading.RateLimiting;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Auth;
using Duban.Features.Calendar;
using Duban.Features.Demo;
using Duban.Features.Dispatching;
using Duban.Features.Figures;
using Duban.Features.Geo;
using Duban.Features.Intake;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Notifications;
using Duban.Features.Projects;
using Duban.Features.Proposals;
using Duban.Features.RectificationPlans;
using Duban.Features.Sealing;
using Duban.Features.Sources;
using Duban.Features.SubTasks;
using Duban.Features.Supervision;
using Duban.Features.Units;
using Duban.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Hosting;

public static class DubanServices
{
    /// <summary>Where SQLite, key files and exports live: DUBAN_DATA_DIR, Duban:DataDirectory, or ./data.</summary>
    public static string DataDirectory(IConfiguration configuration) =>
        Path.GetFullPath(Environment.GetEnvironmentVariable("DUBAN_DATA_DIR") is { Length: > 0 } env ? env
            : configuration["Duban:DataDirectory"] ?? "data");

    /// <summary>
    /// Registers Duban's services. Configuration is read when a service is first built, not here,
    /// so that a host's later configuration sources (tests, command line) are honoured.
    /// </summary>
    public static void AddDuban(this IServiceCollection services)
    {
        static string DataDir(IServiceProvider sp) => DataDirectory(sp.GetRequiredService<IConfiguration>());
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<RefreshingCaches>();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrWhiteSpace(o.ReadReplica) || o.Provider == "postgres",
                "Duban:Database:ReadReplica is a PostgreSQL streaming replica: set it only with Duban:Database:Provider=postgres.")
            .ValidateOnStart();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Pooled: a request reuses a context instead of building one (measured by bench intake).
        services.AddDbContextPool<DubanDb>((sp, options) =>
            DatabaseSetup.Configure(options, sp.GetRequiredService<IOptions<DatabaseOptions>>().Value, DataDir(sp)));
        services.AddSingleton<ReplicaContexts>();
        services.AddHttpContextAccessor();
        services.AddScoped<ReadSide>();

        // The keys: made only while the database holds no data, and checked against it at start (Features/Sealing, KeyChecks).
        services.AddSingleton<DeploymentKeys>();
        // keys rotate (Features/Sealing, SealKeyRotation): the raiser sealed again under the new seal key, never its text.
        services.AddMatterEvent(new(SealKeyRotation.ResealedEvent, new("反映人身份以新密钥重新加密", "Raiser's identity sealed again under a new key")));
        services.AddSingleton(sp => new Sealer(sp.GetRequiredService<DeploymentKeys>().SealRing));
        services.AddSingleton(sp => new AuditKey(sp.GetRequiredService<DeploymentKeys>().Audit));
        services.AddSingleton(sp => new Tokens(sp.GetRequiredService<DeploymentKeys>().Auth, sp.GetRequiredService<TimeProvider>()));
        services.AddScoped<SealKeyRotation>();
        services.AddSingleton<LoginBackoff>();
        services.AddScoped<TwoFactor>();
        services.AddSingleton<UnitDirectory>();
        services.AddRefreshingCache<UnitDirectory>(u => u.Cache);
        services.AddSingleton<MatterScope>();
        services.AddMemoryCache();

        services.AddScoped<AuditLog>();
        services.AddScoped<AuditedChange>();
        services.AddScoped<RegisterNumbers>();
        services.AddSingleton<IntakeBatcher>();
        services.AddScoped<RegisterMatter>();
        services.AddScoped<MatterWorkflow>();
        services.AddScoped<MatterQueries>();
        // The matter core, then the modules on it: each registers its facet, actions and events.
        services.AddMatterCore();
        services.AddSubTasks();
        services.AddRectificationPlans();
        services.AddSources();
        services.AddProjects();
        Features.Agreements.AgreementServices.AddAgreements(services);
        Features.Leads.LeadServices.AddLeads(services);
        services.AddProposals();
        Features.Enterprises.EnterpriseServices.AddEnterprises(services);
        services.AddScoped<DemoSeeder>();
        services.AddScoped<ImportUnits>();
        services.AddSingleton<GeoService>();
        services.AddRefreshingCache<GeoService>(g => g.AliasCache);
        services.AddSingleton<CatalogueStore>();
        services.AddSingleton<LearnedSuggester>();
        services.AddSingleton<ICategorySuggester>(sp => sp.GetRequiredService<LearnedSuggester>());
        services.AddSingleton<ClassifierTrainer>();
        services.AddScoped<CatalogueUpdate>();
        services.AddScoped<DispatchSuggestions>();
        services.AddScoped<IDispatchAdvisor>(sp => sp.GetRequiredService<DispatchSuggestions>());
        services.AddScoped<AutoDispatcher>();
        services.AddScoped<IAutoDispatch>(sp => sp.GetRequiredService<AutoDispatcher>());
        services.AddScoped<Duplicates>();
        services.AddScoped<ReturnFigures>();
        services.AddScoped<DispatchCorrections>();
        services.AddScoped<WaitingForDispatch>();
        services.AddDubanCalendar();
        services.AddDubanNotifications();
        services.AddDubanSupervision();
        services.AddDubanFigures();
        Features.Tally.TallyServices.AddDubanTally(services);
        Features.Dashboard.DashboardServices.AddDubanDashboard(services);
        Features.Users.UsersServices.AddDubanAdministration(services);
        Features.Attachments.AttachmentsApi.AddDubanAttachments(services);
        Features.Rounds.RoundServices.AddDubanRounds(services);
        // The Open311 GeoReport v2 door (Features/Open311): its channel, keys and endpoints.
        Features.Open311.Open311Registration.AddOpen311(services);
        // The e-mail intake (Features/MailIntake): configured mailboxes read over IMAP into matters on channel email.
        Features.MailIntake.MailIntakeServices.AddDubanMailIntake(services);
        // The 12345 phone desk (Features/PhoneDesk): calls logged by the operators, answered on the spot or routed.
        Features.PhoneDesk.CallsApi.AddPhoneDesk(services);
        // Letters and visits at the desk (Features/Letters): registered through the same intake, pages as attachments.
        Features.Letters.LettersApi.AddDubanLetters(services);
    }

    public static void AddDubanWeb(this IServiceCollection services)
    {
        services.AddAuthentication(DubanAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, DubanAuthenticationHandler>(DubanAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        // Single sign-on by the government's OpenID Connect provider, when configured (Features/Auth, OidcSignIn).
        services.AddDubanOidc();
        // Several nodes behind one address must share the data-protection key ring (antiforgery tokens, cookies):
        // Duban:DataProtection:KeysPath names a directory they all read and write. Unset: ASP.NET's per-host default.
        services.AddDataProtection();
        // What PersistKeysToFileSystem does, read from the configuration when the options are built (as the other settings);
        // with the node's own logger factory, so that a key ring it cannot read or write is logged.
        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>().Configure<IConfiguration, ILoggerFactory>((o, config, logs) =>
        {
            if (config["Duban:DataProtection:KeysPath"] is { Length: > 0 } path)
                o.XmlRepository = new Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository(Directory.CreateDirectory(path), logs);
        });
        services.AddOptions<Microsoft.AspNetCore.DataProtection.DataProtectionOptions>().Configure<IConfiguration>((o, config) =>
        {
            if (config["Duban:DataProtection:KeysPath"] is { Length: > 0 }) o.ApplicationDiscriminator = "Duban";
        });
        services.AddProblemDetails();
        // Chinese text as itself in JSON, not \uXXXX escapes (HTML-significant characters stay escaped).
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All));
        services.AddOpenApi("v1");
        services.AddDubanHealth();
        services.AddSingleton<DubanMeters>();
        services.AddSingleton<DemoFirstStart>();
        services.AddHostedService<StartupTasks>();
        // After StartupTasks: the calendar's days are read before serving, once the schema scripts have run.
        services.AddHostedService<CacheRefresher>();
        services.AddHostedService<NotificationMailer>();
        services.AddHostedService<SmsSender>();
        services.AddHostedService<Features.MailIntake.MailIntakeJob>();
        services.AddHostedService(sp => sp.GetRequiredService<ClassifierTrainer>());
        services.AddHostedService<SupervisionJob>();
        services.AddHostedService<Features.Tally.TallyJob>();
        services.AddHostedService<EventPartitions>();
        services.AddOptions<AuditAnchorOptions>().BindConfiguration(AuditAnchorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<AuditAnchorWriter>();
        services.AddDubanUi();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy("public", http => PerMinute(http, "PublicPerMinute", 60));
            // One bucket per address for the API's login and the console's sign-in form together (both name
            // this policy; a page read is not counted); each account's own backoff is LoginBackoff's.
            o.AddPolicy("login", http => PostsPerMinute(http, "LoginPerMinute", 30));
            // Looking places up is cheap (microseconds) and a portal form does it as one types.
            o.AddPolicy("geo", http => PerMinute(http, "GeoPerMinute", 600));
        });
    }

    /// <summary>Per client address and minute (Duban:RateLimits:<paramref name="setting"/>): the public doors and the logins are where abuse arrives.</summary>
    /// <summary><see cref="PerMinute"/> for the POSTs that a door's form or endpoint receives; reading a page is not limited.</summary>
    internal static RateLimitPartition<string> PostsPerMinute(HttpContext http, string setting, int fallback) =>
        HttpMethods.IsPost(http.Request.Method) ? PerMinute(http, setting, fallback) : RateLimitPartition.GetNoLimiter("read");

    internal static RateLimitPartition<string> PerMinute(HttpContext http, string setting, int fallback) =>
        RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = http.RequestServices.GetRequiredService<IConfiguration>().GetValue("Duban:RateLimits:" + setting, fallback),
            Window = TimeSpan.FromMinutes(1),
        });

    public static void UseDuban(this WebApplication app)
    {
        // Behind nginx on several nodes: X-Forwarded-For/-Proto believed only from the configured proxies, so the
        // rate limits and the audit see the citizen's address; every cookie Secure over HTTPS (ReverseProxy).
        app.UseDubanProxyAndCookies();
        // The meter "Duban" exists from the start, for any listener (Telemetry).
        _ = app.Services.GetRequiredService<DubanMeters>();
        // Bugs answer as problem details with no stack trace; business failures never get here.
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : 500 });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseReadYourWrites();
        app.UseDubanUi();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapDubanHealth();
        app.MapDubanOidc();
        var api = app.MapGroup("/api/v1");
        api.MapAuthApiV1();
        api.MapUnitsApiV1();
        api.MapMattersApiV1();
        api.MapPublicReportsApiV1();
        api.MapGeoApiV1();
        api.MapDispatchApiV1();
        Features.Users.UsersApi.MapUsersApiV1(api);
        Features.Attachments.AttachmentsApi.MapAttachmentsApiV1(api);
        Features.Letters.LettersApi.MapLettersApiV1(api);
        Features.Rounds.RoundsApi.MapRoundsApiV1(api);
        api.MapSupervisionApiV1();
        api.MapCalendarApiV1();
        api.MapNotificationsApiV1();
        api.MapFiguresApiV1();
        api.MapSourcesApiV1();
        api.MapProjectsApiV1();
        Features.Agreements.AgreementsApi.MapAgreementsApiV1(api);
        Features.Leads.LeadsApi.MapLeadsApiV1(api);
        api.MapProposalsApiV1();
        Features.Enterprises.EnterprisesApi.MapEnterprisesApiV1(api);
        Features.Open311.Open311Api.MapOpen311(app);
        Features.PhoneDesk.CallsApi.MapCallsApiV1(api);
    }
}

/// <summary>Brings the schema up to date and loads the demo into an empty database, before serving.</summary>
public sealed class StartupTasks(IServiceScopeFactory scopes, IOptions<DemoOptions> demo, ILogger<StartupTasks> logger, DemoFirstStart firstStart) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var applied = await Schema.MigrateAsync(db, cancellationToken);
        if (applied.Count > 0) logger.LogInformation("Applied schema scripts: {Scripts}", string.Join(", ", applied));
        // PostgreSQL: this month's and the coming months' partitions of the events, before the first write.
        await EventPartitions.EnsureAsync(db, scope.ServiceProvider.GetRequiredService<TimeProvider>(), cancellationToken);
        // The keys are the deployment's (a node with others would fork the chain, seal what nobody else opens and sign
        // tokens nobody else accepts), and the accounts' and units' states are recorded (Features/Sealing, DeploymentChecks).
        if (await DeploymentChecks.RunAsync(scope.ServiceProvider, cancellationToken) is { } refused) throw new InvalidOperationException(refused);
        if (!(demo.Value.Seed ?? !db.IsPostgres)) return;
        // Nodes starting together on one empty database: one loads the demo, the others wait and find it loaded.
        await Schema.ExclusivelyAsync(db, async () =>
        {
            if (await db.Units.AnyAsync(cancellationToken)) return;
            // The demo's history goes back months: their partitions first (PostgreSQL).
            await EventPartitions.EnsureAsync(db, scope.ServiceProvider.GetRequiredService<TimeProvider>(), cancellationToken, EventPartitions.HistoryMonths);
            var seeded = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
            // Printed at the very end of start-up, once the server listens (Cli.ServeAsync), with its addresses.
            firstStart.Seeded = seeded;
        }, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
