using System.Globalization;
using Duban.Data;
using Duban.Features.Notifications;
using Duban.Features.Units;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duban.Tests.Features.Notifications;

/// <summary>A deployment with e-mail on, pointed at a real SMTP sink on loopback; its own mailer stopped, so the tests drive the outbox.</summary>
public sealed class MailDeployment : IAsyncLifetime
{
    public const string WithAddress = "440781-rsj";      // 台山市人社局, given an address here
    public const string Address = "rsj@taishan.example";
    public const string WithoutAddress = "440781-jtj";   // 台山市交通局, none
    public const int MaxAttempts = 3;

    public SmtpSink Sink { get; private set; } = null!;
    public DubanFactory App { get; private set; } = null!;
    public MailOutbox Outbox => App.Services.GetRequiredService<MailOutbox>();

    public async Task InitializeAsync()
    {
        Sink = await SmtpSink.StartAsync();
        App = new DubanFactory();
        UseSink(App, Sink, pollSeconds: 3600);
        App.WithoutHostedServices.Add(typeof(NotificationMailer));
        await App.InitializeAsync();
        await SetAddressesAsync(App, (WithAddress, Address), (WithoutAddress, null));
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Sink.DisposeAsync();
    }

    public static void UseSink(DubanFactory app, SmtpSink sink, int pollSeconds)
    {
        app.Settings["Duban:Demo:Matters"] = "false";
        app.Settings["Duban:Notifications:Smtp:Host"] = "127.0.0.1";
        app.Settings["Duban:Notifications:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
        app.Settings["Duban:Notifications:Smtp:From"] = "江门市督办平台 <duban@jiangmen.example>";
        app.Settings["Duban:Notifications:Smtp:PollSeconds"] = pollSeconds.ToString(CultureInfo.InvariantCulture);
        app.Settings["Duban:Notifications:Smtp:MaxAttempts"] = MaxAttempts.ToString(CultureInfo.InvariantCulture);
    }

    public static async Task StopMailerAsync(DubanFactory app)
    {
        foreach (var mailer in app.Services.GetServices<IHostedService>().OfType<NotificationMailer>()) await mailer.StopAsync(CancellationToken.None);
    }

    public static async Task SetAddressesAsync(DubanFactory app, params (string Unit, string? Email)[] units)
    {
        await using (var scope = app.Scope())
        {
            var db = app.Db(scope);
            foreach (var (unit, email) in units)
            {
                await db.Units.Where(u => u.Code == unit).ExecuteUpdateAsync(s => s.SetProperty(u => u.Email, email));
            }
        }
        app.Services.GetRequiredService<UnitDirectory>().Invalidate();
    }

    public static Task<Notification> NotifyAsync(DubanFactory app, string unit, string title, string body = "请按期办理。", long? matterId = null) =>
        Notices.AddAsync(app, unit, ["handler", "leader"], title, body, matterId);

    public async Task<Notification> RowAsync(long id)
    {
        await using var scope = App.Scope();
        return await App.Db(scope).Notifications.AsNoTracking().SingleAsync(n => n.Id == id);
    }
}

/// <summary>The e-mail outbox against a real SMTP server: content, retries with backoff, giving up, several nodes.</summary>
[Trait("Category", "Database")]
public sealed class MailOutboxTests(MailDeployment mail) : IClassFixture<MailDeployment>
{
    private DubanFactory App => mail.App;
    private SmtpSink Sink => mail.Sink;

    [Fact]
    public async Task Notification_ForAUnitWithAnAddress_ArrivesWithItsChineseSubjectAndBodyIntact()
    {
        Sink.Clear();
        var dispatcher = await App.As("dispatcher");
        var matterId = await dispatcher.Register(Api.Matter("台城某厂拖欠工资", "440781"));
        var number = (string)(await dispatcher.Get(matterId))["number"]!;
        // Long enough that the subject is folded over several encoded words.
        var title = "【催办】关于台山市台城街道某电子厂拖欠六十二名员工二〇二五年十月至十二月工资一事，距办理期限仅剩两个工作日，请抓紧办理并按时反馈办理结果";
        var body = "该事项将于 2026年3月2日 到期。\n请登录督办平台查看详情，并及时报告办理进展。";
        var row = await MailDeployment.NotifyAsync(App, MailDeployment.WithAddress, title, body, matterId);
        Assert.Equal(Notification.EmailPending, row.EmailState);
        Assert.Equal(MailDeployment.Address, row.EmailTo);

        Assert.Equal(1, await mail.Outbox.SendDueAsync(CancellationToken.None));
        var message = Assert.Single(await Sink.WaitForAsync(1));
        Assert.Equal(title, message.Subject);
        Assert.Equal([MailDeployment.Address], message.Recipients);
        Assert.Equal("duban@jiangmen.example", message.From);
        Assert.Contains("江门市督办平台", message.Header("From"));
        Assert.StartsWith(body.ReplaceLineEndings("\r\n"), message.Body!.ReplaceLineEndings("\r\n"));
        Assert.Contains(number, message.Body);
        // The raiser (Api.Matter: 陈美玲, 13800138000) is never in an e-mail.
        Assert.DoesNotContain("陈美玲", message.Body + message.Subject + message.Data);
        Assert.DoesNotContain("13800138000", message.Body + message.Data);

        var sent = await mail.RowAsync(row.Id);
        Assert.Equal(Notification.EmailSent, sent.EmailState);
        Assert.NotNull(sent.EmailSentAt);
        Assert.Equal(1, sent.EmailAttempts);
        Assert.Equal(mail.Outbox.NodeId, sent.EmailClaimedBy);
        // Sent once: a further pass has nothing to do.
        Assert.Equal(0, await mail.Outbox.SendDueAsync(CancellationToken.None));
        Assert.Single(Sink.Messages);
    }

    [Fact]
    public async Task Notification_ForAUnitWithoutAnAddress_IsInAppOnly()
    {
        Sink.Clear();
        var row = await MailDeployment.NotifyAsync(App, MailDeployment.WithoutAddress, "【催办】无邮箱单位");
        Assert.Equal(Notification.EmailNone, (await mail.RowAsync(row.Id)).EmailState);
        Assert.Null(row.EmailTo);
        Assert.Equal(0, await mail.Outbox.SendDueAsync(CancellationToken.None));
        Assert.Empty(Sink.Messages);
    }

    [Fact]
    public async Task RefusedOnce_RetriedOnlyAfterTheBackoff_ThenSent()
    {
        Sink.Clear();
        var rejectedBefore = Sink.Rejected;
        Sink.RejectNext(1);
        var row = await MailDeployment.NotifyAsync(App, MailDeployment.WithAddress, "【督办通知】重试一次");

        Assert.Equal(0, await mail.Outbox.SendDueAsync(CancellationToken.None));
        var released = await mail.RowAsync(row.Id);
        Assert.Equal(Notification.EmailPending, released.EmailState);
        Assert.Equal(1, released.EmailAttempts);
        Assert.Contains("try again later", released.EmailError);
        Assert.Null(released.EmailClaimedBy);
        Assert.Equal(rejectedBefore + 1, Sink.Rejected);

        // Not before its backoff.
        Assert.Equal(0, await mail.Outbox.SendDueAsync(CancellationToken.None));
        Assert.Equal(rejectedBefore + 1, Sink.Rejected);
        Assert.Empty(Sink.Messages);

        App.Clock.Advance(SmtpOptions.Backoff(1));
        Assert.Equal(1, await mail.Outbox.SendDueAsync(CancellationToken.None));
        Assert.Equal("【督办通知】重试一次", Assert.Single(await Sink.WaitForAsync(1)).Subject);
        var sent = await mail.RowAsync(row.Id);
        Assert.Equal(Notification.EmailSent, sent.EmailState);
        Assert.Equal(2, sent.EmailAttempts);
    }

    [Fact]
    public async Task RefusedEveryTime_FailedAfterMaxAttempts_AndNotTriedAgain()
    {
        Sink.Clear();
        var rejectedBefore = Sink.Rejected;
        Sink.RejectNext(MailDeployment.MaxAttempts + 1);
        try
        {
            var row = await MailDeployment.NotifyAsync(App, MailDeployment.WithAddress, "【提级督办】总是被拒");
            for (var attempt = 1; attempt <= MailDeployment.MaxAttempts; attempt++)
            {
                Assert.Equal(0, await mail.Outbox.SendDueAsync(CancellationToken.None));
                var after = await mail.RowAsync(row.Id);
                Assert.Equal(attempt, after.EmailAttempts);
                Assert.Equal(attempt < MailDeployment.MaxAttempts ? Notification.EmailPending : Notification.EmailFailed, after.EmailState);
                App.Clock.Advance(SmtpOptions.Backoff(attempt));
            }
            App.Clock.Advance(TimeSpan.FromHours(2));
            Assert.Equal(0, await mail.Outbox.SendDueAsync(CancellationToken.None));
            Assert.Equal(rejectedBefore + MailDeployment.MaxAttempts, Sink.Rejected);
            var failed = await mail.RowAsync(row.Id);
            Assert.Equal(Notification.EmailFailed, failed.EmailState);
            Assert.Null(failed.EmailSentAt);
            Assert.Contains("try again later", failed.EmailError);
            Assert.Empty(Sink.Messages);
        }
        finally
        {
            Sink.RejectNext(0);
        }
    }

    [Fact]
    public async Task AnAddressThatIsNotOne_FailsAtOnce_AndTheNextEmailStillGoes()
    {
        Sink.Clear();
        const string broken = "440781-zjj"; // 台山市住建局, given a broken address here
        await MailDeployment.SetAddressesAsync(App, (broken, "住建局邮箱"));
        try
        {
            var bad = await MailDeployment.NotifyAsync(App, broken, "【催办】地址有误");
            var good = await MailDeployment.NotifyAsync(App, MailDeployment.WithAddress, "【催办】地址无误");
            Assert.Equal(1, await mail.Outbox.SendDueAsync(CancellationToken.None));
            var failed = await mail.RowAsync(bad.Id);
            Assert.Equal(Notification.EmailFailed, failed.EmailState);
            Assert.Equal(1, failed.EmailAttempts);
            Assert.NotNull(failed.EmailError);
            Assert.Equal(Notification.EmailSent, (await mail.RowAsync(good.Id)).EmailState);
            Assert.Equal("【催办】地址无误", Assert.Single(await Sink.WaitForAsync(1)).Subject);
        }
        finally
        {
            await MailDeployment.SetAddressesAsync(App, (broken, null));
        }
    }

    [Fact]
    public async Task TwoNodesSendingAtOnce_DeliverEachEmailExactlyOnce()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var first = new DubanFactory();
        // Both nodes' own mailers run too (every second), beside the passes the test starts.
        MailDeployment.UseSink(first, sink, pollSeconds: 1);
        await first.InitializeAsync();
        var sibling = first.Sibling();
        foreach (var (key, value) in first.Settings) sibling.Settings[key] = value;
        await sibling.InitializeAsync();
        await using var second = sibling;
        await MailDeployment.SetAddressesAsync(first, (MailDeployment.WithAddress, MailDeployment.Address));

        const int count = 40;
        await using (var scope = first.Scope())
        {
            var notifier = scope.ServiceProvider.GetRequiredService<Notifier>();
            for (var i = 0; i < count; i++)
            {
                await notifier.AddAsync(new NotifyRequest(MailDeployment.WithAddress, ["handler"], "urge", $"并发发送 {i:00}", "两节点"), CancellationToken.None);
            }
            await first.Db(scope).SaveChangesAsync();
        }

        var outboxes = new[] { first, second }.Select(n => n.Services.GetRequiredService<MailOutbox>()).ToArray();
        Assert.NotEqual(outboxes[0].NodeId, outboxes[1].NodeId);
        // Rounds until nothing is pending: an e-mail the background mailers claimed stays pending until they mark it,
        // which on a loaded machine outlasts many quick rounds (seen in a full run: one left after 50), so the rounds
        // go on, a little apart, for up to a minute.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await PendingAsync(first) > 0 && waited.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.WhenAll(outboxes.SelectMany(o => new[] { o.SendDueAsync(CancellationToken.None), o.SendDueAsync(CancellationToken.None) }));
            await Task.Delay(20);
        }
        Assert.Equal(0, await PendingAsync(first));
        // Nothing may still be on its way: stop both mailers before counting.
        await MailDeployment.StopMailerAsync(first);
        await MailDeployment.StopMailerAsync(second);

        var subjects = sink.Messages.Select(m => m.Subject).ToList();
        Assert.Equal(count, subjects.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"并发发送 {i:00}").Order(StringComparer.Ordinal), subjects.Order(StringComparer.Ordinal));
        await using (var scope = first.Scope())
        {
            var rows = await first.Db(scope).Notifications.AsNoTracking().ToListAsync();
            Assert.All(rows.Where(r => r.EmailTo is not null), r =>
            {
                Assert.Equal(Notification.EmailSent, r.EmailState);
                Assert.Equal(1, r.EmailAttempts);
                Assert.Contains(r.EmailClaimedBy, outboxes.Select(o => o.NodeId));
            });
        }
    }

    private static async Task<int> PendingAsync(DubanFactory app)
    {
        await using var scope = app.Scope();
        return await app.Db(scope).Notifications.CountAsync(n => n.EmailState == Notification.EmailPending);
    }
}

/// <summary>Bad settings stop the start with a message that names them.</summary>
public sealed class SmtpSettingsTests
{
    [Theory]
    [InlineData("Port", "70000", "Duban:Notifications:Smtp:Port")]
    [InlineData("From", "not an address", "Duban:Notifications:Smtp:From")]
    [InlineData("MaxAttempts", "0", "Duban:Notifications:Smtp:MaxAttempts")]
    public async Task BadSetting_StartUpFails_NamingIt(string key, string value, string named)
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Notifications:Smtp:Host"] = "127.0.0.1";
        app.Settings["Duban:Notifications:Smtp:" + key] = value;
        var log = new CapturedLog();
        await using var started = app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(log)));
        var error = Record.Exception(() => started.Server);
        Assert.NotNull(error);
        // What the operator reads: the host's log of the failed start names the setting. (The exception
        // the test host hands back is sometimes its own ObjectDisposedException from the teardown that
        // follows a failed start, under load; the log is written before it.)
        Assert.Contains(named, log.Text, StringComparison.Ordinal);
    }

    /// <summary>Every log line and its exception, kept.</summary>
    private sealed class CapturedLog : ILoggerProvider, ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new();

        public string Text => string.Join("\n", lines);

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => lines.Enqueue(formatter(state, exception) + " " + exception);

        public void Dispose()
        {
        }
    }
}
