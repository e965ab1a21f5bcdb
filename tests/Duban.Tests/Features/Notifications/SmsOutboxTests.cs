using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Data;
using Duban.Features.Notifications;
using Duban.Features.Units;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Duban.Tests.Features.Notifications;

/// <summary>A deployment with SMS on, its gateway the test double, its own sender stopped: the tests drive the outbox.</summary>
public sealed class SmsDeployment : IAsyncLifetime
{
    public const int MaxAttempts = 3;
    public SmsGatewayDouble Gateway { get; } = new();
    public DubanFactory App { get; private set; } = null!;
    public SmsOutbox Outbox => App.Services.GetRequiredService<SmsOutbox>();

    public async Task InitializeAsync()
    {
        App = new DubanFactory();
        App.Settings["Duban:Demo:Matters"] = "false";
        App.Settings["Duban:Notifications:Sms:Url"] = "http://127.0.0.1:9/sms";
        App.Settings["Duban:Notifications:Sms:Signature"] = "【江门督办】";
        App.Settings["Duban:Notifications:Sms:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        App.WithServices.Add(s => s.AddSingleton<ISmsGateway>(Gateway));
        App.WithoutHostedServices.Add(typeof(SmsSender));
        await App.InitializeAsync();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    /// <summary>A new unit with a handler (-h1), its SMS numbers set by the city's administrator through the API as typed.</summary>
    public async Task<string> UnitWithNumbersAsync(string name, string? typed)
    {
        var code = await App.Desk.NewUnitAsync("sms", name, null, ("h1", "handler"));
        if (typed is null) return code;
        var admin = await App.As("admin");
        var unit = await admin.GetAsync("/api/v1/admin/units/" + code).Ok();
        var body = unit.DeepClone().AsObject();
        body["sms"] = typed;
        await admin.PutAsJsonAsync("/api/v1/admin/units/" + code, body).Ok();
        return code;
    }

    public async Task<List<SmsMessage>> MessagesAsync(long matterId)
    {
        await using var scope = App.Scope();
        var db = App.Db(scope);
        return await db.Set<SmsMessage>().AsNoTracking().Where(s => s.Notification!.MatterId == matterId).OrderBy(s => s.Id).ToListAsync();
    }
}

/// <summary>
/// Notifications by SMS (issue 18): a unit given a matter hears it by text message at each of its numbers, once, with
/// the matter named as the e-mail names it; the outbox retries after a backoff, gives up on a permanent refusal, and two
/// nodes never send a message twice; the HTTP gateway speaks its contract to a real server on loopback.
/// </summary>
[Trait("Category", "Database")]
public sealed class SmsOutboxTests(SmsDeployment sms) : IClassFixture<SmsDeployment>
{
    private DubanFactory App => sms.App;

    [Fact]
    public async Task Dispatch_TextsEachOfTheUnitsNumbers_OnceAfterTheCommit()
    {
        var unit = await sms.UnitWithNumbersAsync("短信交办局", "+86 13800138001, 139-0013-8002；13800138001");
        var id = await App.Desk.Matter(NewMatter.Noise("台城某工地夜间施工噪声扰民", "440781")).Lead(unit).DispatchedAsync();

        var rows = await sms.MessagesAsync(id);
        // Stored as 11 digits, each number once.
        Assert.Equal(["13800138001", "13900138002"], rows.Select(r => r.Phone));
        Assert.All(rows, r => Assert.Equal(SmsMessage.Pending, r.State));
        // (Other tests of this class may leave messages of theirs pending: this one looks at its own.)
        var references = rows.Select(r => $"duban-sms-{r.Id}").ToList();
        Assert.True(await sms.Outbox.SendDueAsync(CancellationToken.None) >= 2);
        var sent = sms.Gateway.Sent.Where(s => references.Contains(s.Reference)).ToList();
        Assert.Equal(["13800138001", "13900138002"], sent.Select(s => s.Phone));
        var text = sent[0].Text;
        Assert.StartsWith("【江门督办】【交办】", text, StringComparison.Ordinal);
        Assert.Contains("台城某工地夜间施工噪声扰民", text, StringComparison.Ordinal);
        Assert.Contains("办理期限", text, StringComparison.Ordinal);
        // The raiser (NewMatter's 13800138000) is never in a text.
        Assert.DoesNotContain("13800138000", text, StringComparison.Ordinal);
        Assert.All(await sms.MessagesAsync(id), r => Assert.Equal((SmsMessage.Sent, 1), (r.State, r.Attempts)));
        // Sent once: the next pass has nothing of this matter's.
        await sms.Outbox.SendDueAsync(CancellationToken.None);
        Assert.Equal(2, sms.Gateway.Sent.Count(s => references.Contains(s.Reference)));
    }

    [Fact]
    public async Task ConfidentialMatter_IsNamedByItsNumberAlone()
    {
        var unit = await sms.UnitWithNumbersAsync("短信保密局", "13800138003");
        var id = await App.Desk.Matter(NewMatter.Noise("举报某局长违规收受购物卡", "440781") with { Confidential = true }).Lead(unit).DispatchedAsync();
        var row = Assert.Single(await sms.MessagesAsync(id));
        Assert.Contains("【保密】", row.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("购物卡", row.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnitWithoutNumbers_GetsNoText()
    {
        var unit = await sms.UnitWithNumbersAsync("短信无号码局", null);
        var id = await App.Desk.Matter(NewMatter.Noise("北新区路灯不亮", "440781")).Lead(unit).DispatchedAsync();
        Assert.Empty(await sms.MessagesAsync(id));
        Assert.NotEmpty(await NotificationsAsync(id));
    }

    [Fact]
    public async Task RefusedForAWhile_RetriedOnlyAfterTheBackoff_ThenSent()
    {
        var unit = await sms.UnitWithNumbersAsync("短信重试局", "13800138004");
        var id = await App.Desk.Matter(NewMatter.Noise("江华路井盖缺失", "440781")).Lead(unit).DispatchedAsync();
        sms.Gateway.RefuseNext(1, "503 busy");
        await sms.Outbox.SendDueAsync(CancellationToken.None);
        var row = Assert.Single(await sms.MessagesAsync(id));
        Assert.Equal((SmsMessage.Pending, 1, "503 busy"), (row.State, row.Attempts, row.Error));
        Assert.Null(row.ClaimedBy);
        Assert.True(row.ClaimedAt > App.Clock.GetUtcNow(), "released with its retry in the future");

        // Not before its retry is due.
        var calls = sms.Gateway.Calls;
        await sms.Outbox.SendDueAsync(CancellationToken.None);
        Assert.Equal(SmsMessage.Pending, Assert.Single(await sms.MessagesAsync(id)).State);
        Assert.DoesNotContain(sms.Gateway.Sent, s => s.Reference == $"duban-sms-{row.Id}");

        App.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await sms.Outbox.SendDueAsync(CancellationToken.None);
        var done = Assert.Single(await sms.MessagesAsync(id));
        Assert.Equal((SmsMessage.Sent, 2), (done.State, done.Attempts));
        Assert.True(sms.Gateway.Calls > calls);
    }

    [Fact]
    public async Task PermanentRefusal_IsGivenUpAtOnce()
    {
        var unit = await sms.UnitWithNumbersAsync("短信拒收局", "13800138005");
        var id = await App.Desk.Matter(NewMatter.Noise("某小区电梯停运", "440781")).Lead(unit).DispatchedAsync();
        sms.Gateway.RefuseNext(1, "400 number barred", permanent: true);
        await sms.Outbox.SendDueAsync(CancellationToken.None);
        var row = Assert.Single(await sms.MessagesAsync(id));
        Assert.Equal((SmsMessage.Failed, 1, "400 number barred"), (row.State, row.Attempts, row.Error));
        App.Clock.Advance(TimeSpan.FromHours(2));
        await sms.Outbox.SendDueAsync(CancellationToken.None);
        Assert.Equal(1, Assert.Single(await sms.MessagesAsync(id)).Attempts);
    }

    [Fact]
    public async Task TwoNodes_SendingAtOnce_SendEachMessageOnce()
    {
        var unit = await sms.UnitWithNumbersAsync("短信两节点局", "13800138006,13800138007,13800138008");
        var ids = new List<long>();
        for (var i = 0; i < 4; i++)
            ids.Add(await App.Desk.Matter(NewMatter.Noise($"两节点短信第{i}件", "440781")).Lead(unit).DispatchedAsync());
        var references = new List<string>();
        foreach (var id in ids) references.AddRange((await sms.MessagesAsync(id)).Select(r => $"duban-sms-{r.Id}"));
        Assert.Equal(12, references.Count);

        // A second outbox over the same database, as another node's (its own node name, the same gateway double).
        var other = ActivatorUtilities.CreateInstance<SmsOutbox>(App.Services);
        Assert.NotEqual(sms.Outbox.NodeId, other.NodeId);
        await Task.WhenAll(Task.Run(() => sms.Outbox.SendDueAsync(CancellationToken.None)), Task.Run(() => other.SendDueAsync(CancellationToken.None)));
        var sent = sms.Gateway.Sent.Select(s => s.Reference).Where(references.Contains).ToList();
        Assert.Equal(references.Order(), sent.Order());
    }

    [Fact]
    public async Task Admin_SmsNumbers_CheckedNamingTheField_AndAudited()
    {
        var code = await sms.UnitWithNumbersAsync("短信校验局", null);
        var admin = await App.As("admin");
        var unit = await admin.GetAsync("/api/v1/admin/units/" + code).Ok();
        var version = (string)unit["version"]!;
        var bad = unit.DeepClone().AsObject();
        bad["sms"] = "0750-5501234";
        var problem = await admin.PutAsJsonAsync("/api/v1/admin/units/" + code, bad).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("sms", problem.ToJsonString(), StringComparison.Ordinal);
        var tooMany = unit.DeepClone().AsObject();
        tooMany["sms"] = "13800138011,13800138012,13800138013,13800138014,13800138015,13800138016";
        await admin.PutAsJsonAsync("/api/v1/admin/units/" + code, tooMany).Problem(HttpStatusCode.BadRequest);

        var good = unit.DeepClone().AsObject();
        good["sms"] = "8613800138010";
        var changed = await admin.PutAsJsonAsync("/api/v1/admin/units/" + code, good).Ok();
        Assert.Equal("13800138010", (string?)changed["sms"]);
        Assert.NotEqual(version, (string?)changed["version"]);
        await using var scope = App.Scope();
        var db = App.Db(scope);
        var events = await db.Events.Where(e => e.Action == "unit_changed").Select(e => e.Data).ToListAsync();
        Assert.Contains(events, d => d.Contains(code, StringComparison.Ordinal) && d.Contains("13800138010", StringComparison.Ordinal));
        Assert.True((await App.Verify(db)).Intact);

        // Numbers written behind Duban's back (to read the unit's notices) break the recorded state.
        await db.Units.Where(u => u.Code == code).ExecuteUpdateAsync(s => s.SetProperty(u => u.Sms, "13911112222"));
        Assert.False((await App.Verify(db)).Intact);
        await db.Units.Where(u => u.Code == code).ExecuteUpdateAsync(s => s.SetProperty(u => u.Sms, "13800138010"));
        Assert.True((await App.Verify(db)).Intact);
    }

    private async Task<List<Notification>> NotificationsAsync(long matterId)
    {
        await using var scope = App.Scope();
        return await App.Db(scope).Notifications.AsNoTracking().Where(n => n.MatterId == matterId).ToListAsync();
    }
}

/// <summary>The HTTP gateway against a real HTTP server on loopback: the request it makes and how it reads each answer.</summary>
public sealed class HttpSmsGatewayTests : IAsyncLifetime
{
    private WebApplication server = null!;
    private string url = null!;
    private readonly ConcurrentQueue<(JsonNode Body, string? Authorization, string? Key)> received = new();
    private int answer = 200;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        server = builder.Build();
        server.MapPost("/sms", async (HttpContext http) =>
        {
            var body = await JsonNode.ParseAsync(http.Request.Body);
            received.Enqueue((body!, http.Request.Headers.Authorization.ToString(), http.Request.Headers["Idempotency-Key"].ToString()));
            return Results.Text(answer == 200 ? "{\"id\":\"x1\"}" : "refused: 号码不存在", statusCode: answer);
        });
        await server.StartAsync();
        url = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/sms";
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private static HttpSmsGateway Gateway(string url, string? key)
    {
        var services = new ServiceCollection();
        services.AddHttpClient(HttpSmsGateway.Client);
        return new HttpSmsGateway(services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>(),
            Options.Create(new SmsOptions { Url = url, ApiKey = key }));
    }

    [Fact]
    public async Task Posts_TheContract_AndReadsEachAnswer()
    {
        var gateway = Gateway(url, "k-123");
        var ok = await gateway.SendAsync(new SmsSend("13800138000", "【交办】JM-1「路灯不亮」", "duban-sms-7"), CancellationToken.None);
        Assert.True(ok.IsSent);
        Assert.True(received.TryDequeue(out var got));
        Assert.Equal("13800138000", (string?)got.Body["to"]);
        Assert.Equal("【交办】JM-1「路灯不亮」", (string?)got.Body["text"]);
        Assert.Equal("duban-sms-7", (string?)got.Body["reference"]);
        Assert.Equal("Bearer k-123", got.Authorization);
        Assert.Equal("duban-sms-7", got.Key);

        answer = 400;
        var refused = await gateway.SendAsync(new SmsSend("13800138000", "t", "r2"), CancellationToken.None);
        Assert.Equal((false, true), (refused.IsSent, refused.Permanent));
        Assert.Contains("400", refused.Error, StringComparison.Ordinal);
        Assert.Contains("号码不存在", refused.Error, StringComparison.Ordinal);

        foreach (var status in new[] { 429, 503, 408 })
        {
            answer = status;
            var later = await gateway.SendAsync(new SmsSend("13800138000", "t", "r3"), CancellationToken.None);
            Assert.Equal((false, false), (later.IsSent, later.Permanent));
        }
    }

    [Fact]
    public async Task NoServer_IsTriedAgainLater()
    {
        // A port nothing listens on: the connection is refused.
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var result = await Gateway($"http://127.0.0.1:{port}/sms", null).SendAsync(new SmsSend("13800138000", "t", "r"), CancellationToken.None);
        Assert.Equal((false, false), (result.IsSent, result.Permanent));
        Assert.False(string.IsNullOrEmpty(result.Error));
    }
}
