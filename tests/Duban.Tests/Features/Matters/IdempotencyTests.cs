using System.Net;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Matters;

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class IdempotencyTests(DubanFactory factory)
{
    [Fact]
    public async Task SameKey_TwiceAndAtOnce_MakesOneMatter()
    {
        var dispatcher = await factory.As("dispatcher");
        var key = Guid.NewGuid().ToString();
        var title = "同一来电重复提交 " + key[..8];
        HttpRequestMessage Request() => Api.Keyed("/api/v1/matters", Api.Matter(title), key);

        var first = await (await dispatcher.SendAsync(Request())).Json(HttpStatusCode.Created);
        var again = await Task.WhenAll(dispatcher.SendAsync(Request()), dispatcher.SendAsync(Request()));
        foreach (var response in again)
        {
            var body = await response.Json(HttpStatusCode.OK);
            Assert.Equal((long)first["id"]!, (long)body["id"]!);
            Assert.Equal((string?)first["queryCode"], (string?)body["queryCode"]);
        }
        await using var scope = factory.Scope();
        Assert.Equal(1, await factory.Db(scope).Matters.CountAsync(m => m.Title == title));
    }

    [Fact]
    public async Task SameKey_DifferentRequest_Is409()
    {
        var dispatcher = await factory.As("dispatcher");
        var key = Guid.NewGuid().ToString();
        foreach (var (title, expected) in new[] { ("第一份", HttpStatusCode.Created), ("另一份", HttpStatusCode.Conflict) })
        {
            var body = await (await dispatcher.SendAsync(Api.Keyed("/api/v1/matters", Api.Matter(title), key))).Json(expected);
            if (expected == HttpStatusCode.Conflict) Assert.Equal("idempotency_key_reused", (string?)body["code"]);
        }
    }

    [Fact]
    public async Task KeysAreScopedPerCaller_PublicKeyDoesNotCollideWithStaff()
    {
        var dispatcher = await factory.As("dispatcher");
        var anonymous = factory.CreateClient();
        var key = Guid.NewGuid().ToString();
        var staff = Api.Keyed("/api/v1/matters", Api.Matter(), key);
        var pub = Api.Keyed("/api/v1/public/reports", new { kind = "complaint", title = "路灯不亮", content = "龙溪路路灯坏了一周", anonymous = true }, key);
        await (await dispatcher.SendAsync(staff)).Json(HttpStatusCode.Created);
        await (await anonymous.SendAsync(pub)).Json(HttpStatusCode.Created);
    }
}
