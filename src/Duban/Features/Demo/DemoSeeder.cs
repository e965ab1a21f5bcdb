using System.Reflection;
using System.Text.Json;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.SubTasks;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Demo;

public sealed class DemoOptions
{
    public const string Section = "Duban:Demo";

    /// <summary>
    /// Load the Jiangmen demo into an empty database at start-up. Unset: yes on the embedded
    /// SQLite database (the quick start), no on PostgreSQL, where an empty database is usually a
    /// new production system that must not receive 235 accounts with one shared password.
    /// </summary>
    public bool? Seed { get; set; }

    /// <summary>Also create the demo matters (tests that want only units and accounts turn this off).</summary>
    public bool Matters { get; set; } = true;
}

public sealed record DemoSeedResult(string Password, bool PasswordGenerated, int Units, int Users, int Matters);

/// <summary>What the start-up loaded, when it loaded the demo: the host prints it once it listens (Hosting/Cli.ServeAsync).</summary>
public sealed class DemoFirstStart
{
    public DemoSeedResult? Seeded { get; set; }
}

/// <summary>
/// Loads the Jiangmen demo (data/demo): the real units with their division codes, an account for
/// every role and unit, and matters from the Jiangmen Daily stories. Matters are driven through
/// the same actions as the API, on a clock set back to when each story happened, so every demo
/// matter has a true, hash-chained history and `audit verify` passes on a fresh demo.
/// </summary>
public sealed class DemoSeeder(IServiceProvider services, DubanDb db, UnitDirectory directory, TimeProvider time, IConfiguration configuration)
{
    public const string DispatcherUnit = "4407-ddzx";
    public const string SupervisorUnit = "4407-dcs";
    public const string LeaderUnit = "4407-szf";
    public const string AdminUnit = "4407-zsj";

    internal sealed record RaiserRow(string? Name, string? Phone);
    internal sealed record FeedbackRow(bool Resolved, string Satisfaction);
    internal sealed record MatterRow(string Key, string Kind, string Channel, string Title, string Content, string? Location, string? Category,
        string Urgency, int ReceivedDaysAgo, RaiserRow? Raiser, string? SubjectUnitCode, bool Confidential, string? LeadUnitCode,
        string[]? CoUnitCodes, int DueInDays, string TargetState, string[]? Progress, string? Outcome, FeedbackRow? Feedback,
        string? ReturnReason, string? RejectReason, string? MergeIntoKey, string? ParentKey, int Urged);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<DemoSeedResult> SeedAsync(CancellationToken ct = default)
    {
        var given = Environment.GetEnvironmentVariable("DUBAN_DEMO_PASSWORD") ?? configuration["Duban:Demo:Password"];
        var password = string.IsNullOrEmpty(given) ? Passwords.Generate() : given;
        var units = ImportUnits.ReadBuiltIn();
        var now = time.Now();
        var imported = await services.GetRequiredService<ImportUnits>().ExecuteAsync(units, Actor.System(), ct);
        if (!imported.IsSuccess) throw new InvalidOperationException("the demo's units do not load: " + imported.Error!.Message);

        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // Demo accounts share one password, so they share one hash: 200 PBKDF2 runs would
            // cost seconds at every first start and protect nothing more.
            var hash = Passwords.Hash(password, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.PasswordIterations);
            User Account(string username, string name, string unit, string roles) =>
                new() { Username = username, DisplayName = name, UnitCode = unit, Roles = roles, PasswordHash = hash, CreatedAt = now };
            db.Users.Add(Account("admin", "系统管理员", AdminUnit, Roles.Admin));
            db.Users.Add(Account("dispatcher", "12345热线受理员", DispatcherUnit, Roles.Dispatcher));
            db.Users.Add(Account("supervisor", "市督查室督办员", SupervisorUnit, Roles.Supervisor));
            db.Users.Add(Account("leader", "市政府分管领导", LeaderUnit, Roles.Leader));
            foreach (var u in units.Where(u => u.Kind == "government" && u.TerritoryCode != "440700"))
            {
                db.Users.Add(Account("s-" + u.Code, (u.ShortName ?? u.Name) + "督办员", u.Code, Roles.Supervisor));
            }
            foreach (var u in units)
            {
                db.Users.Add(Account("h-" + u.Code, (u.ShortName ?? u.Name) + "经办人", u.Code, Roles.Handler));
            }
            await db.SaveChangesAsync(ct);
            // The demo's accounts sign in with the password alone until they enrol a second factor (offered, not required).
            await db.Database.ExecuteSqlRawAsync("UPDATE mfa_roles SET required = FALSE", ct);
            // The accounts' states join the event (Features/Audit, EntityStates): verify holds each row to them.
            var loaded = new System.Text.Json.Nodes.JsonObject { ["units"] = units.Count };
            EntityStates.Record(loaded, db.Users.Local, []);
            await services.GetRequiredService<AuditLog>().AppendAsync(null, Actor.System(), "demo_loaded", data: loaded, ct: ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        directory.Invalidate();

        var matters = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DemoOptions>>().Value.Matters
            ? await SeedMattersAsync(now, ct) : 0;
        var users = await db.Users.CountAsync(ct);
        return new DemoSeedResult(password, string.IsNullOrEmpty(given), units.Count, users, matters);
    }

    /// <summary>
    /// The demo's accounts and password in a framed block, with the addresses the server listens on when they are
    /// known: printed at the very end of start-up, so that it is the last thing on the screen, not lost among the logs.
    /// </summary>
    public static void PrintAccounts(DemoSeedResult seeded, TextWriter output, IEnumerable<string>? urls = null)
    {
        var lines = new List<string>
        {
            $"Duban 江门演示 / Jiangmen demo: {seeded.Units} units, {seeded.Users} accounts, {seeded.Matters} matters",
        };
        if (urls?.ToList() is { Count: > 0 } addresses)
        {
            lines.Add("");
            lines.AddRange(addresses.Select(u => "打开 / Open: " + u));
        }
        lines.Add("");
        lines.Add("演示账号 / Demo accounts:");
        lines.Add("  admin, dispatcher (12345热线), supervisor (市督查室), leader (市政府)");
        lines.Add("  s-<区县代码> county supervisors, e.g. s-440781");
        lines.Add("  h-<单位代码> unit handlers, e.g. h-440781115 (川岛镇)");
        lines.Add("");
        if (seeded.PasswordGenerated)
        {
            lines.Add("密码（所有演示账号） / Password of every demo account:");
            lines.Add("  " + seeded.Password);
            lines.Add("只显示这一次；设置 DUBAN_DEMO_PASSWORD 可自选。");
            lines.Add("Shown once; set DUBAN_DEMO_PASSWORD to choose it.");
        }
        else
        {
            lines.Add("密码：DUBAN_DEMO_PASSWORD 的值 / Password: the value of DUBAN_DEMO_PASSWORD");
        }
        output.Write(Framed(lines));
        output.Flush();
    }

    /// <summary>Lines in a box of ═ and ║, padded by their width on a terminal (a Chinese character takes two columns).</summary>
    public static string Framed(IReadOnlyList<string> lines)
    {
        var width = lines.Max(Columns);
        var text = new System.Text.StringBuilder();
        text.Append('╔').Append('═', width + 2).Append('╗').Append('\n');
        foreach (var line in lines)
        {
            text.Append("║ ").Append(line).Append(' ', width - Columns(line)).Append(" ║").Append('\n');
        }
        text.Append('╚').Append('═', width + 2).Append('╝').Append('\n');
        return text.ToString();
    }

    /// <summary>Terminal columns: two for the East Asian wide characters (CJK, their punctuation, full-width forms), one otherwise.</summary>
    public static int Columns(string line) => line.EnumerateRunes().Sum(r => r.Value is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0xA4CF)
        or (>= 0xAC00 and <= 0xD7A3) or (>= 0xF900 and <= 0xFAFF) or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60)
        or (>= 0xFFE0 and <= 0xFFE6) or (>= 0x20000 and <= 0x3FFFD) ? 2 : 1);

    private static List<T> Load<T>(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Duban.Demo." + name)
            ?? throw new InvalidOperationException($"demo resource {name} is missing from the build");
        return JsonSerializer.Deserialize<List<T>>(stream, Json) ?? [];
    }

    // ---- matters: a schedule of steps, run in time order on a clock set back ----

    internal sealed record Step(DateTimeOffset At, int Order, Func<DemoRun, Task> Run);

    private async Task<int> SeedMattersAsync(DateTimeOffset now, CancellationToken ct)
    {
        var rows = Load<MatterRow>("jiangmen-matters.json");
        var byKey = rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var steps = new List<Step>();
        var start = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        DateTimeOffset StartOf(MatterRow r) => start.TryGetValue(r.Key, out var s) ? s : start[r.Key] = now.AddDays(-r.ReceivedDaysAgo).AddHours(-9);
        var order = 0;
        void At(DateTimeOffset t, Func<DemoRun, Task> run) => steps.Add(new Step(t < now ? t : now.AddMinutes(-1), order++, run));

        foreach (var r in rows.Where(r => r.ParentKey is null))
        {
            var t0 = StartOf(r);
            var life = now - t0;
            DateTimeOffset F(double f) => t0 + life * f;
            At(t0, run => run.RegisterAsync(r, t0));
            switch (r.TargetState)
            {
                case Status.Received:
                    continue;
                case Status.Rejected:
                    At(F(0.05), run => run.Act(r.Key, "dispatcher", (id, v, a, c) => run.Get<Reject>().ExecuteAsync(id, new ReasonRequest(v, r.RejectReason ?? "不属于受理范围"), a, c)));
                    continue;
                case Status.Merged:
                    var target = byKey[r.MergeIntoKey!];
                    var when = (StartOf(target) > t0 ? StartOf(target) : t0).AddHours(4);
                    At(when, run => run.Act(r.Key, "dispatcher", (id, v, a, c) => run.Get<Merge>().ExecuteAsync(id, new MergeRequest(v, run.Ids[target.Key], "与已受理事项为同一诉求"), a, c)));
                    continue;
            }
            At(F(0.02), run => run.DispatchAsync(r, t0));
            if (r.TargetState == Status.Returned)
            {
                At(F(0.3), run => run.Act(r.Key, "h-" + r.LeadUnitCode, (id, v, a, c) => run.Get<Return>().ExecuteAsync(id, new ReasonRequest(v, r.ReturnReason ?? "不属于本单位职责"), a, c)));
                continue;
            }
            ScheduleHandling(r, F, rows.Where(c => c.ParentKey == r.Key).ToList(), At, now);
        }
        // The modules' stories (a source's items…) join the same schedule, so the chain stays in time order.
        var schedule = new DemoSchedule(now, steps, () => order++);
        foreach (var stories in services.GetServices<IDemoStories>()) stories.Schedule(schedule);
        steps.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.Order.CompareTo(b.Order));

        var run = new DemoRun(services, now);
        foreach (var step in steps)
        {
            run.Clock.Set(step.At);
            await step.Run(run);
        }
        return run.Ids.Count;
    }

    private static void ScheduleHandling(MatterRow r, Func<double, DateTimeOffset> f, List<MatterRow> children,
        Action<DateTimeOffset, Func<DemoRun, Task>> at, DateTimeOffset now)
    {
        var lead = "h-" + r.LeadUnitCode;
        var done = r.TargetState is Status.PendingReview or Status.Closed;
        if (r.TargetState == Status.Dispatched)
        {
            for (var i = 0; i < r.Urged; i++) at(f(0.5 + 0.1 * i), run => run.Act(r.Key, "supervisor", (id, v, a, c) => run.Get<Urge>().ExecuteAsync(id, new VersionedRequest(v, "请尽快签收办理"), a, c)));
            return;
        }
        at(f(0.05), run => run.Act(r.Key, lead, (id, v, a, c) => run.Get<Accept>().ExecuteAsync(id, new VersionedRequest(v, null), a, c)));
        if (children.Count > 0)
        {
            var splitAt = f(0.08);
            at(splitAt, run => run.SplitAsync(r, children, splitAt));
            foreach (var child in children)
            {
                var life = now - splitAt;
                ScheduleHandling(child, x => splitAt + life * x * 0.9, [], at, now);
            }
        }
        var notes = r.Progress ?? [];
        for (var i = 0; i < notes.Length; i++)
        {
            var note = notes[i];
            var percent = done ? 20 + 60 * (i + 1) / notes.Length : 10 + 50 * (i + 1) / (notes.Length + 1);
            var withPercent = children.Count == 0 ? percent : (int?)null;
            at(f(0.1 + 0.6 * i / Math.Max(1, notes.Length)), run => run.Act(r.Key, lead, (id, v, a, c) => run.Get<ReportProgress>().ExecuteAsync(id, new ProgressRequest(v, note, withPercent), a, c)));
        }
        for (var i = 0; i < r.Urged; i++)
            at(f(0.35 + 0.1 * i), run => run.Act(r.Key, "supervisor", (id, v, a, c) => run.Get<Urge>().ExecuteAsync(id, new VersionedRequest(v, "请加快办理进度，按期办结"), a, c)));
        if (!done) return;
        at(f(0.85), run => run.Act(r.Key, lead, (id, v, a, c) => run.Get<Complete>().ExecuteAsync(id, new CompleteRequest(v, r.Outcome ?? "已办结"), a, c)));
        if (r.TargetState != Status.Closed) return;
        at(f(0.92), run => run.Act(r.Key, "dispatcher", (id, v, a, c) => run.Get<Approve>().ExecuteAsync(id, new VersionedRequest(v, "办理结果符合要求"), a, c)));
        if (r.Feedback is { } fb)
            at(f(0.96), run => run.Act(r.Key, "dispatcher", (id, v, a, c) => run.Get<Feedback>().ExecuteAsync(id, new FeedbackRequest(v, fb.Resolved, fb.Satisfaction, "电话回访"), a, c)));
    }

    /// <summary>The state of one seeding run: a set-back clock, the actors, the ids of the demo's matters by key.</summary>
    public sealed class DemoRun
    {
        private readonly IServiceProvider root;

        internal DemoRun(IServiceProvider root, DateTimeOffset now)
        {
            this.root = root;
            Clock = new DemoClock(now);
        }

        /// <summary>The set-back clock: what the steps run at.</summary>
        public TimeProvider Time => Clock;

        internal DemoClock Clock { get; }

        /// <summary>The demo's matters by key (a module adds the matters it makes, under keys of its own).</summary>
        public Dictionary<string, long> Ids { get; } = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Actor> actors = new(StringComparer.Ordinal);
        private IServiceScope? scope;

        /// <summary>
        /// An action or service made for this step: on the set-back clock wherever it takes the time, the audit log or the
        /// matter workflow, and otherwise with the scope's services.
        /// </summary>
        public T Get<T>() where T : notnull
        {
            var sp = Scope.ServiceProvider;
            var ctor = typeof(T).GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            var args = ctor.GetParameters().Select(p =>
                p.ParameterType == typeof(MatterWorkflow) ? Workflow()
                : p.ParameterType == typeof(AuditLog) ? Audit()
                : p.ParameterType == typeof(TimeProvider) ? Clock
                : sp.GetRequiredService(p.ParameterType)).ToArray();
            return (T)ctor.Invoke(args);
        }

        /// <summary>The step's database context.</summary>
        public DubanDb Db => Scope.ServiceProvider.GetRequiredService<DubanDb>();

        private AuditLog Audit()
        {
            var sp = Scope.ServiceProvider;
            return new AuditLog(sp.GetRequiredService<DubanDb>(), Clock, sp.GetRequiredService<AuditKey>(), sp.GetRequiredService<MatterFacets>());
        }

        private IServiceScope Scope => scope ??= root.CreateScope();

        private MatterWorkflow Workflow()
        {
            var sp = Scope.ServiceProvider;
            var db = sp.GetRequiredService<DubanDb>();
            return ActivatorUtilities.CreateInstance<MatterWorkflow>(sp, db, new AuditLog(db, Clock, sp.GetRequiredService<AuditKey>(), sp.GetRequiredService<MatterFacets>()), (TimeProvider)Clock);
        }

        /// <summary>Forgets the step's scope: the next step reads everything afresh.</summary>
        public void Fresh()
        {
            scope?.Dispose();
            scope = null;
        }

        public async Task<Actor> ActorAsync(string username)
        {
            if (actors.TryGetValue(username, out var known)) return known;
            var db = Scope.ServiceProvider.GetRequiredService<DubanDb>();
            var id = await db.Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync();
            return actors[username] = (await DubanAuthenticationHandler.LoadActorAsync(db, Scope.ServiceProvider.GetRequiredService<UnitDirectory>(), id, default))!;
        }

        internal async Task RegisterAsync(MatterRow r, DateTimeOffset t0)
        {
            var sp = Scope.ServiceProvider;
            var db = sp.GetRequiredService<DubanDb>();
            // Written alone (no batcher) on the set-back clock.
            var register = new RegisterMatter(db, new AuditLog(db, Clock, sp.GetRequiredService<AuditKey>(), sp.GetRequiredService<MatterFacets>()), Clock, sp.GetRequiredService<Sealing.Sealer>(),
                sp.GetRequiredService<UnitDirectory>(), sp.GetRequiredService<RegisterNumbers>(), sp.GetRequiredService<MatterScope>(),
                sp.GetRequiredService<Geo.GeoService>(), batcher: null, sp.GetRequiredService<MatterClock>(), sp.GetRequiredService<MatterKinds>());
            var territory = await TerritoryAsync(r);
            var cmd = new RegisterCommand(r.Kind, r.Channel, r.Title, r.Content, r.Location, r.Category, r.Urgency, t0,
                r.Raiser is null, r.Raiser is null ? null : new RaiserInput(r.Raiser.Name, r.Raiser.Phone), r.SubjectUnitCode, null,
                r.Confidential, territory);
            var result = await register.ExecuteAsync(cmd, await ActorAsync("dispatcher"), issueQueryCode: r.Raiser is not null, ct: default);
            Ids[r.Key] = Check(result, r.Key, "register").Matter.Id;
            Fresh();
        }

        private async Task<string?> TerritoryAsync(MatterRow r)
        {
            var directory = Scope.ServiceProvider.GetRequiredService<UnitDirectory>();
            var code = r.Confidential ? r.SubjectUnitCode : r.LeadUnitCode;
            var unit = code is null ? null : await directory.FindAsync(code);
            return unit is null || unit.TerritoryCode == "440700" ? null : unit.TerritoryCode;
        }

        internal Task DispatchAsync(MatterRow r, DateTimeOffset t0) =>
            Act(r.Key, "dispatcher", (id, v, a, c) => Get<Dispatch>().ExecuteAsync(id,
                new DispatchRequest(v, r.LeadUnitCode, r.CoUnitCodes, Clock.GetUtcNow().AddDays(Math.Max(1, r.DueInDays)),
                    $"按交办要求限{Math.Max(1, r.DueInDays)}日内办结"), a, c));

        internal Task SplitAsync(MatterRow parent, List<MatterRow> children, DateTimeOffset at) =>
            Act(parent.Key, "h-" + parent.LeadUnitCode, async (id, v, a, c) =>
            {
                var parentDue = await Scope.ServiceProvider.GetRequiredService<DubanDb>().Matters.Where(m => m.Id == id).Select(m => m.DueAt).SingleAsync(c);
                var inputs = children.Select(ch =>
                {
                    var due = at.AddDays(Math.Max(1, ch.DueInDays));
                    return new SubTaskInput(ch.Title, ch.Content, ch.LeadUnitCode, ch.CoUnitCodes, parentDue is { } pd && due > pd ? pd : due);
                }).ToArray();
                var result = await Get<Split>().ExecuteAsync(id, new SplitRequest(v, inputs, "按任务分工逐项交办"), a, c);
                if (result.IsSuccess)
                {
                    var db = Scope.ServiceProvider.GetRequiredService<DubanDb>();
                    var numbers = await db.Matters.Where(m => m.ParentId == id).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync(c);
                    for (var i = 0; i < children.Count; i++) Ids[children[i].Key] = numbers[i];
                }
                return result;
            });

        public async Task Act(string key, string username, Func<long, int, Actor, CancellationToken, Task<Result<Matter>>> action)
        {
            var db = Scope.ServiceProvider.GetRequiredService<DubanDb>();
            var id = Ids[key];
            var version = await db.Matters.Where(m => m.Id == id).Select(m => m.Version).SingleAsync();
            Check(await action(id, version, await ActorAsync(username), default), key, username);
            Fresh();
        }

        private static T Check<T>(Result<T> result, string key, string what) =>
            result.IsSuccess ? result.Value! : throw new InvalidOperationException($"demo matter {key}: {what} failed: {result.Error!.Message}");
    }

    internal sealed class DemoClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;
        public void Set(DateTimeOffset value) => now = value;
        public override DateTimeOffset GetUtcNow() => now;
    }
}

/// <summary>
/// A module's stories in the demo (a source's items, a project's reports): steps it adds to the demo's schedule,
/// run in time order with the core's on the set-back clock. Registered as a service; the seeder asks every one.
/// </summary>
public interface IDemoStories
{
    void Schedule(DemoSchedule schedule);
}

/// <summary>The demo's schedule as a module adds to it: what "now" is, and steps at moments before it.</summary>
public sealed class DemoSchedule
{
    private readonly List<DemoSeeder.Step> steps;
    private readonly Func<int> order;

    internal DemoSchedule(DateTimeOffset now, List<DemoSeeder.Step> steps, Func<int> order)
    {
        Now = now;
        this.steps = steps;
        this.order = order;
    }

    public DateTimeOffset Now { get; }

    /// <summary>A step at <paramref name="at"/> (a moment not before now runs just before it); steps at one moment run in the order added.</summary>
    public void At(DateTimeOffset at, Func<DemoSeeder.DemoRun, Task> run) => steps.Add(new DemoSeeder.Step(at < Now ? at : Now.AddMinutes(-1), order(), run));
}
