using System.Data.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Attachments;
using Duban.Features.Audit;
using Duban.Features.Intake;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Sealing;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Attachments;

/// <summary>Photos through registration, the database and the staff API: one transaction, the chain, scope.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class AttachmentsTests(DubanFactory factory)
{
    private static PublicReportsApi.PublicReportRequest Report(string title) =>
        new("complaint", title, "快递点门口的台阶破损，老人取件时摔倒，附照片。", "台山市川岛镇下川岛略尾村", Anonymous: true, null, null);

    private async Task<Result<(PublicReportsApi.PublicReceipt Receipt, bool Replayed)>> FileAsync(
        string title, IReadOnlyList<PhotoUpload>? photos, string? key = null)
    {
        await using var scope = factory.Scope();
        var sp = scope.ServiceProvider;
        return await PublicReportsApi.FileAsync(Report(title), key, sp.GetRequiredService<RegisterMatter>(), sp.GetRequiredService<IAutoDispatch>(),
            default, photos);
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Title(string what) => what + " " + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task CitizenReport_StoresPhotosStripped_RecordsTheirHashesInTheChain_AndServesThemToStaff()
    {
        var filed = await FileAsync(Title("略尾村快递点台阶破损"), [new("IMG_20261122_0815.jpg", TestImages.PhoneJpeg()), new("台阶.png", TestImages.Png(metadata: true))]);
        Assert.True(filed.IsSuccess, filed.Error?.Message);
        var id = await factory.Desk.Dispatcher.IdOf(filed.Value.Receipt.Receipt);
        var dispatcher = await factory.As("dispatcher");

        var list = (await dispatcher.GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray();
        Assert.Equal(["IMG_20261122_0815.jpg", "台阶.png"], list.Select(a => (string)a!["fileName"]!));
        Assert.Equal(["image/jpeg", "image/png"], list.Select(a => (string)a!["contentType"]!));
        Assert.Equal([Sha(TestImages.CleanJpeg), Sha(TestImages.Png(metadata: false))], list.Select(a => (string)a!["sha256"]!));
        Assert.Equal(TestImages.CleanJpeg.Length, (int)list[0]!["size"]!);

        var url = (string)list[0]!["url"]!;
        var photo = await dispatcher.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        Assert.Equal(TestImages.CleanJpeg, await photo.Content.ReadAsByteArrayAsync()); // no GPS, no device, no trailer
        Assert.Equal("image/jpeg", photo.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", photo.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("IMG_20261122_0815.jpg", photo.Content.Headers.ContentDisposition.FileNameStar);
        Assert.Equal("nosniff", photo.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", photo.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("attachment", (await dispatcher.GetAsync(url + "?download=true")).Content.Headers.ContentDisposition!.DispositionType);

        // Asked again with its tag: not modified (after the scope check).
        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(photo.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await dispatcher.SendAsync(again)).StatusCode);

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var register = await db.Events.AsNoTracking().SingleAsync(e => e.MatterId == id && e.Action == "register");
        var recorded = JsonNode.Parse(register.Data)!["photos"]!.AsArray();
        Assert.Equal(list.Select(a => (string)a!["sha256"]!), recorded.Select(p => (string)p!["sha256"]!));
        Assert.DoesNotContain("IMG_", register.Data, StringComparison.Ordinal);
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Photos_OutOfScope_AnswerAsMissing_AndThePublicNeverSeesThem()
    {
        var filed = await FileAsync(Title("川岛镇码头积水"), [new("码头.jpg", TestImages.PhoneJpeg())]);
        var (receipt, code) = (filed.Value.Receipt.Receipt, filed.Value.Receipt.QueryCode);
        var id = await factory.Desk.Dispatcher.IdOf(receipt);
        var dispatcher = await factory.As("dispatcher");
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = "440781115" });
        var url = (string)(await dispatcher.GetAsync($"/api/v1/matters/{id}/attachments").Ok())[0]!["url"]!;

        // The town that holds it sees the photo; a unit that does not is told it does not exist.
        var town = await factory.As("h-440781115");
        Assert.Single((await town.GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray());
        Assert.Equal(HttpStatusCode.OK, (await town.GetAsync(url)).StatusCode);
        var other = await factory.As("h-440781-rsj");
        var listed = await other.GetAsync($"/api/v1/matters/{id}/attachments").Problem(HttpStatusCode.NotFound, "not_found");
        var missing = await other.GetAsync("/api/v1/matters/999999999/attachments").Problem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal((string?)missing["detail"], (string?)listed["detail"]);
        await other.GetAsync(url).Problem(HttpStatusCode.NotFound, "not_found");

        // A photo asked for under another matter the reader sees is not there either.
        var elsewhere = await dispatcher.Register();
        await dispatcher.GetAsync(url.Replace($"/matters/{id}/", $"/matters/{elsewhere}/", StringComparison.Ordinal)).Problem(HttpStatusCode.NotFound);

        // No sign-in, no photo; the tracking page tells the citizen nothing of it.
        var visitor = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await visitor.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await visitor.GetAsync($"/api/v1/matters/{id}/attachments")).StatusCode);
        var tracked = await (await visitor.GetAsync($"/api/v1/public/reports/{receipt}?queryCode={code}")).Content.ReadAsStringAsync();
        Assert.Contains(receipt, tracked, StringComparison.Ordinal);
        foreach (var word in new[] { "码头.jpg", "attachment", "photo", "sha256", "image/" })
        {
            Assert.DoesNotContain(word, tracked, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task RepeatWithTheSameKey_StoresThePhotosOnce_AndOtherPhotosUnderTheKeyAreAnotherRequest()
    {
        var title = Title("略尾村路灯不亮");
        var key = "portal-" + Guid.NewGuid().ToString("N");
        var first = await FileAsync(title, [new("路灯.jpg", TestImages.PhoneJpeg())], key);
        var repeat = await FileAsync(title, [new("路灯.jpg", TestImages.PhoneJpeg())], key);
        Assert.True(repeat.Value.Replayed);
        Assert.Equal(first.Value.Receipt, repeat.Value.Receipt);
        var id = await factory.Desk.Dispatcher.IdOf(first.Value.Receipt.Receipt);

        // Staff: the same key with other photos is refused, not silently answered with the first.
        await using var scope = factory.Scope();
        var sp = scope.ServiceProvider;
        var db = factory.Db(scope);
        var actor = await factory.Desk.ActorAsync(scope, "dispatcher");
        var register = sp.GetRequiredService<RegisterMatter>();
        var cmd = new RegisterCommand("complaint", "phone", Title("外海龙溪路井盖缺失"), "井盖缺失，夜间危险。", "江海区外海街道龙溪路", TerritoryCode: "440704");
        var staffKey = "call-" + Guid.NewGuid().ToString("N");
        var staffFirst = await register.ExecuteAsync(cmd, actor, false, staffKey, [new PhotoUpload("井盖.png", TestImages.Png(metadata: true))]);
        var staffRepeat = await register.ExecuteAsync(cmd, actor, false, staffKey, [new PhotoUpload("井盖.png", TestImages.Png(metadata: true))]);
        var staffOther = await register.ExecuteAsync(cmd, actor, false, staffKey, [new PhotoUpload("井盖.jpg", TestImages.PhoneJpeg())]);
        Assert.True(staffRepeat.Value!.Replayed);
        Assert.Equal("idempotency_key_reused", staffOther.Error?.Code);

        Assert.Equal(1, await db.Attachments.CountAsync(a => a.MatterId == id));
        Assert.Equal(1, await db.Attachments.CountAsync(a => a.MatterId == staffFirst.Value!.Matter.Id));
        Assert.Equal(1, await db.Matters.CountAsync(m => m.Title == title));
        Assert.Equal(1, await db.Matters.CountAsync(m => m.Title == cmd.Title));
    }

    [Fact]
    public async Task RefusedPhotos_RegisterNothing_AndEveryProblemIsSaidAtOnce()
    {
        var title = Title("照片太多");
        var four = await FileAsync(title, [.. Enumerable.Repeat(new PhotoUpload("a.jpg", TestImages.CleanJpeg), 4)]);
        Assert.Equal(400, four.Error?.Status);
        Assert.Contains("photos: at most 3", four.Error!.Message, StringComparison.Ordinal);

        await using var scope = factory.Scope();
        var sp = scope.ServiceProvider;
        var both = await PublicReportsApi.FileAsync(Report(title) with { Title = "" }, null, sp.GetRequiredService<RegisterMatter>(),
            sp.GetRequiredService<IAutoDispatch>(), default, [new PhotoUpload("a.jpg", "GIF89a"u8.ToArray())]);
        Assert.Contains("title is required", both.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("photo 1 is not a JPEG, PNG or WebP image", both.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await factory.Db(scope).Matters.CountAsync(m => m.Title == title));
    }

    [Fact]
    public async Task AFailureAfterTheMatterIsInserted_LeavesNeitherTheMatterNorItsPhotosNorAnEvent()
    {
        await using var scope = factory.Scope();
        var sp = scope.ServiceProvider;
        var db = factory.Db(scope);
        var title = Title("半途失败");
        var before = (Events: await db.Events.CountAsync(), Photos: await db.Attachments.CountAsync(),
            Head: await db.AuditHeads.AsNoTracking().Select(h => h.Hash).SingleAsync());
        // A photo whose row the database refuses (a name is required): it is written after the matter and its event.
        var broken = new Photo(null!, PhotoBytes.Jpeg, TestImages.CleanJpeg);
        var cmd = new RegisterCommand("complaint", "web", title, "内容", Anonymous: true, TerritoryCode: "440704");
        var item = new PreparedRegistration(cmd, Actor.Public, true, factory.Clock.GetUtcNow(), "", null, "",
            new TerritoryChoice("440704", "given", null), [new Photo("好.jpg", PhotoBytes.Jpeg, TestImages.CleanJpeg), broken]);

        await Assert.ThrowsAnyAsync<DbException>(() => RegisterMatter.WriteAsync(db, sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<RegisterNumbers>(),
            sp.GetRequiredService<Sealer>(), sp.GetRequiredService<Duban.Features.Matters.MatterClock>(), [item], default));

        await using var fresh = factory.Scope();
        var check = factory.Db(fresh);
        Assert.Equal(0, await check.Matters.CountAsync(m => m.Title == title));
        Assert.Equal(before.Events, await check.Events.CountAsync());
        Assert.Equal(before.Photos, await check.Attachments.CountAsync());
        Assert.Equal(before.Head, await check.AuditHeads.AsNoTracking().Select(h => h.Hash).SingleAsync());
        Assert.True((await factory.Verify(check)).Intact);
    }
}
