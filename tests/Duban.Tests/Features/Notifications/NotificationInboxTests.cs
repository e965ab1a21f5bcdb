using System.Net;
using System.Text.Json.Nodes;
using Duban.Data;
using Duban.Features.Notifications;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Notifications;

/// <summary>The in-app notifications: who sees which (unit, role, the matter's visibility) and per-user read marks.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class NotificationInboxTests(DubanFactory factory)
{
    /// <summary>A unit of its own (so counts are exact) with two handlers and a leader: users "&lt;code&gt;-h1", "-h2", "-ld".</summary>
    private Task<string> UnitWithUsersAsync(string? email = null) =>
        factory.Desk.NewUnitAsync("t", "通知测试局", email, ("h1", "handler"), ("h2", "handler"), ("ld", "leader"));

    private Task<Notification> NotifyAsync(string unit, string[] roles, string title, long? matterId = null) =>
        Notices.AddAsync(factory, unit, roles, title, matterId: matterId);

    private static async Task<List<JsonNode>> ListAsync(HttpClient client, bool unread = false) =>
        [.. (await client.GetAsync($"/api/v1/notifications?pageSize=100{(unread ? "&unread=true" : "")}").Ok())["items"]!.AsArray().Select(i => i!)];

    private static async Task<List<long>> IdsAsync(HttpClient client, bool unread = false) =>
        [.. (await ListAsync(client, unread)).Select(i => (long)i["id"]!)];

    private static async Task<int> UnreadAsync(HttpClient client) =>
        (int)(await client.GetAsync("/api/v1/notifications/unread-count").Ok())["count"]!;

    [Fact]
    public async Task List_ShowsTheUnitsNotifications_ToTheAddressedRolesOnly_NewestFirst()
    {
        var unit = await UnitWithUsersAsync();
        var toHandlers = await NotifyAsync(unit, ["handler"], "【催办】经办人");
        var toLeader = await NotifyAsync(unit, ["leader"], "【督办通知】单位负责人");
        var toBoth = await NotifyAsync(unit, ["handler", "leader"], "【提级督办】全体");
        var elsewhere = await NotifyAsync("440781-rsj", ["handler"], "【催办】别的单位");

        var handler = await ListAsync(await factory.As(unit + "-h1"));
        Assert.Equal([toBoth.Id, toHandlers.Id], handler.Select(i => (long)i["id"]!));
        var first = handler[0];
        Assert.Equal("urge", (string?)first["kind"]);
        Assert.Equal("【提级督办】全体", (string?)first["title"]);
        Assert.Equal("请按期办理。", (string?)first["body"]);
        Assert.Null(first["matterId"]);
        Assert.False((bool)first["read"]!);
        Assert.NotNull(first["createdAt"]);

        Assert.Equal([toBoth.Id, toLeader.Id], await IdsAsync(await factory.As(unit + "-ld")));
        var otherUnit = await IdsAsync(await factory.As("h-440781-rsj"));
        Assert.Contains(elsewhere.Id, otherUnit);
        Assert.DoesNotContain(toHandlers.Id, otherUnit);
        Assert.DoesNotContain(toBoth.Id, otherUnit);
        // The city's staff are not the unit: a notification is for the unit it names.
        Assert.DoesNotContain(toBoth.Id, await IdsAsync(await factory.As("supervisor")));
    }

    [Fact]
    public async Task Read_IsPerUser_Idempotent_And404ForOneNotAddressedToTheUser()
    {
        var unit = await UnitWithUsersAsync();
        var a = await NotifyAsync(unit, ["handler"], "通知甲");
        var b = await NotifyAsync(unit, ["handler"], "通知乙");
        var leaderOnly = await NotifyAsync(unit, ["leader"], "仅负责人");
        var h1 = await factory.As(unit + "-h1");
        var h2 = await factory.As(unit + "-h2");
        Assert.Equal(2, await UnreadAsync(h1));

        var marked = await h1.PostAsync($"/api/v1/notifications/{a.Id}/read", null).Ok();
        Assert.True((bool)marked["read"]!);
        await h1.PostAsync($"/api/v1/notifications/{a.Id}/read", null).Ok(); // again: no change, no error

        Assert.Equal(1, await UnreadAsync(h1));
        Assert.Equal([b.Id], await IdsAsync(h1, unread: true));
        var all = await ListAsync(h1);
        Assert.True((bool)all.Single(i => (long)i["id"]! == a.Id)["read"]!);
        Assert.False((bool)all.Single(i => (long)i["id"]! == b.Id)["read"]!);
        // The other handler of the same unit has read nothing.
        Assert.Equal(2, await UnreadAsync(h2));
        Assert.Equal([b.Id, a.Id], await IdsAsync(h2, unread: true));

        await h1.PostAsync($"/api/v1/notifications/{leaderOnly.Id}/read", null).Problem(HttpStatusCode.NotFound, "not_found");
        await (await factory.As("h-440781-rsj")).PostAsync($"/api/v1/notifications/{a.Id}/read", null).Problem(HttpStatusCode.NotFound, "not_found");
        await h1.PostAsync("/api/v1/notifications/999999999/read", null).Problem(HttpStatusCode.NotFound, "not_found");
        await using var scope = factory.Scope();
        Assert.Equal(1, await factory.Db(scope).NotificationReads.CountAsync(r => r.NotificationId == a.Id));
        Assert.Equal(0, await factory.Db(scope).NotificationReads.CountAsync(r => r.NotificationId == leaderOnly.Id));
    }

    [Fact]
    public async Task AboutAMatter_ShownOnlyWhileTheUserSeesIt_NotAfterItIsDispatchedElsewhere()
    {
        var dispatcher = await factory.As("dispatcher");
        var id = await factory.Desk.Matter(NewMatter.Noise("台城某厂拖欠工资", "440781")).Lead("440781-rsj").DispatchedAsync();
        var old = await factory.As("h-440781-rsj");
        var note = await NotifyAsync("440781-rsj", ["handler"], "【催办】拖欠工资事项", id);
        Assert.Contains(note.Id, await IdsAsync(old, unread: true));
        var unreadBefore = await UnreadAsync(old);

        await old.Do(id, "return", new { reason = "应由街道先行调解" }, reader: dispatcher);
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781-jtj" });
        var now = await NotifyAsync("440781-jtj", ["handler"], "【催办】拖欠工资事项", id);

        Assert.DoesNotContain(note.Id, await IdsAsync(old));
        // Both notifications about it leave the old unit's count: the note and the dispatch's 交办 notice.
        Assert.Equal(unreadBefore - 2, await UnreadAsync(old));
        await old.PostAsync($"/api/v1/notifications/{note.Id}/read", null).Problem(HttpStatusCode.NotFound, "not_found");
        var holder = await factory.As("h-440781-jtj");
        var shown = (await ListAsync(holder)).Single(i => (long)i["id"]! == now.Id);
        Assert.Equal(id, (long)shown["matterId"]!);
        // Notifications are addressed to a unit: the new holder does not inherit the old one's.
        Assert.DoesNotContain(note.Id, await IdsAsync(holder));
    }

    [Fact]
    public async Task Paging_IsBounded()
    {
        var unit = await UnitWithUsersAsync();
        for (var i = 0; i < 3; i++) await NotifyAsync(unit, ["handler"], $"通知{i}");
        var h1 = await factory.As(unit + "-h1");
        var page = await h1.GetAsync("/api/v1/notifications?pageSize=2&page=2").Ok();
        Assert.Equal(3, (int)page["total"]!);
        Assert.Equal("通知0", (string?)page["items"]![0]!["title"]);
        await h1.GetAsync("/api/v1/notifications?pageSize=101").Problem(HttpStatusCode.BadRequest, "validation");
        await h1.GetAsync("/api/v1/notifications?page=0").Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/api/v1/notifications")).StatusCode);
    }

    [Fact]
    public async Task WithoutSmtpHost_NoEmailIsQueued_EvenForAUnitWithAnAddress()
    {
        var unit = await UnitWithUsersAsync(email: "notify-test@taishan.example");
        var row = await NotifyAsync(unit, ["handler"], "无邮件服务器");
        await using var scope = factory.Scope();
        var saved = await factory.Db(scope).Notifications.SingleAsync(n => n.Id == row.Id);
        Assert.Equal(Notification.EmailNone, saved.EmailState);
        Assert.Null(saved.EmailTo);
        Assert.Equal(0, await factory.Services.GetRequiredService<MailOutbox>().SendDueAsync(CancellationToken.None));
    }
}
