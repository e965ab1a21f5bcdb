using System.Net;
using System.Net.Http.Json;
using Duban.Features.Geo;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Geo;

[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class GeoApiTests(DubanFactory factory)
{
    [Fact]
    public async Task Anyone_resolves_a_text_to_a_division_with_its_path()
    {
        var client = factory.CreateClient();
        var m = await client.GetAsync("/api/v1/geo/resolve?q=" + Uri.EscapeDataString("台山市川岛镇下川岛略尾村的快递收发点")).Ok();
        Assert.Equal("440781115002", (string?)m["code"]);
        Assert.Equal("village", (string?)m["level"]);
        Assert.Equal(["广东省", "江门市", "台山市", "川岛镇", "略尾社区居委会"], m["path"]!.AsArray().Select(p => (string)p!));

        var none = await client.GetAsync("/api/v1/geo/resolve?q=" + Uri.EscapeDataString("路灯坏了")).Ok();
        Assert.Null((string?)none["code"]);
        await client.GetAsync("/api/v1/geo/resolve").Problem(HttpStatusCode.BadRequest);
        await client.GetAsync("/api/v1/geo/resolve?q=" + new string('江', 301)).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_division_tree_is_browsable_from_China_down()
    {
        var client = factory.CreateClient();
        var china = await client.GetAsync("/api/v1/geo/divisions").Ok();
        Assert.Equal(31, china["children"]!.AsArray().Count);
        var taishan = await client.GetAsync("/api/v1/geo/divisions/440781").Ok();
        Assert.Equal("台山市", (string?)taishan["name"]);
        Assert.Equal("county", (string?)taishan["level"]);
        Assert.Equal(["广东省", "江门市", "台山市"], taishan["path"]!.AsArray().Select(p => (string)p!));
        Assert.Contains(taishan["children"]!.AsArray(), c => (string?)c!["code"] == "440781115" && (string?)c["name"] == "川岛镇");
        await client.GetAsync("/api/v1/geo/divisions/440799").Problem(HttpStatusCode.NotFound);
        // 北京市's districts, not its placeholder 市辖区.
        var beijing = await client.GetAsync("/api/v1/geo/divisions/110000").Ok();
        Assert.Contains(beijing["children"]!.AsArray(), c => (string?)c!["name"] == "东城区");
        Assert.DoesNotContain(beijing["children"]!.AsArray(), c => (string?)c!["name"] == "市辖区");
        await client.GetAsync("/api/v1/geo/divisions/110100").Problem(HttpStatusCode.NotFound);
        await client.GetAsync("/api/v1/geo/divisions/abc").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Only_administrators_add_and_remove_aliases_each_an_event_and_every_node_picks_them_up()
    {
        var anonymous = factory.CreateClient();
        var dispatcher = await factory.As("dispatcher");
        var admin = await factory.As("admin");
        var body = new { alias = "小鸟天堂", code = "440705001", note = "新会区会城街道天马村的小鸟天堂景区" };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/geo/aliases", body)).StatusCode);
        await dispatcher.PostAsJsonAsync("/api/v1/geo/aliases", body).Problem(HttpStatusCode.Forbidden);
        await admin.PostAsJsonAsync("/api/v1/geo/aliases", body with { code = "440799001" }).Problem(HttpStatusCode.BadRequest);
        await admin.PostAsJsonAsync("/api/v1/geo/aliases", body with { alias = "鸟" }).Problem(HttpStatusCode.BadRequest);
        await admin.PostAsJsonAsync("/api/v1/geo/aliases", body with { alias = "小鸟\u202e天堂" }).Problem(HttpStatusCode.BadRequest);
        // Not digits, not an everyday word, not a shipped alias.
        await admin.PostAsJsonAsync("/api/v1/geo/aliases", body with { alias = "12345" }).Problem(HttpStatusCode.BadRequest);
        await admin.PostAsJsonAsync("/api/v1/geo/aliases", body with { alias = "建设" }).Problem(HttpStatusCode.BadRequest);
        await admin.PostAsJsonAsync("/api/v1/geo/aliases", body with { alias = "高新区", code = "440703" }).Problem(HttpStatusCode.Conflict, "alias_exists");
        // A county's administrator does not change how the whole city places matters.
        var countyAdmin = await factory.AsCountyAdmin();
        await countyAdmin.PostAsJsonAsync("/api/v1/geo/aliases", body with { alias = "举报" }).Problem(HttpStatusCode.Forbidden);
        await (await factory.As("h-440781115")).GetAsync("/api/v1/geo/aliases").Problem(HttpStatusCode.Forbidden);

        var resolve = "/api/v1/geo/resolve?q=" + Uri.EscapeDataString("小鸟天堂门口乱停车");
        Assert.Null((string?)(await anonymous.GetAsync(resolve).Ok())["code"]);
        await using var second = await factory.SecondNodeAsync();
        var secondGeo = second.Services.GetRequiredService<GeoService>();
        await secondGeo.RefreshAliasesAsync();

        var added = await (await admin.PostAsJsonAsync("/api/v1/geo/aliases", body)).Json(HttpStatusCode.Created);
        var id = (long)added["id"]!;
        try
        {
            Assert.Equal(["广东省", "江门市", "新会区", "会城街道"], added["path"]!.AsArray().Select(p => (string)p!));
            Assert.Equal("440705001", (string?)(await anonymous.GetAsync(resolve).Ok())["code"]);
            await admin.PostAsJsonAsync("/api/v1/geo/aliases", body with { alias = " 小鸟天堂 " }).Problem(HttpStatusCode.Conflict, "alias_exists");
            var list = await dispatcher.GetAsync("/api/v1/geo/aliases").Ok();
            Assert.Contains(list.AsArray(), a => (string?)a!["alias"] == "小鸟天堂" && (string?)a["createdBy"] == "admin");

            // The other node sees it at its next refresh (every 30 s; here called at once).
            Assert.Null(secondGeo.Resolve("小鸟天堂").Code);
            await secondGeo.RefreshAliasesAsync();
            Assert.Equal("440705001", secondGeo.Resolve("小鸟天堂").Code);

            await dispatcher.DeleteAsync($"/api/v1/geo/aliases/{id}").Problem(HttpStatusCode.Forbidden);
            Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/geo/aliases/{id}")).StatusCode);
            id = 0;
            Assert.Null((string?)(await anonymous.GetAsync(resolve).Ok())["code"]);
            await admin.DeleteAsync($"/api/v1/geo/aliases/{(long)added["id"]!}").Problem(HttpStatusCode.NotFound);
            await secondGeo.RefreshAliasesAsync();
            Assert.Null(secondGeo.Resolve("小鸟天堂").Code);

            await using var scope = factory.Scope();
            var db = factory.Db(scope);
            var events = await db.Events.Where(e => e.Action == "geo_alias_added" || e.Action == "geo_alias_removed")
                .OrderBy(e => e.Seq).Select(e => new { e.Action, e.ActorName, e.Data }).ToListAsync();
            Assert.Equal(["geo_alias_added", "geo_alias_removed"], events.TakeLast(2).Select(e => e.Action));
            Assert.All(events.TakeLast(2), e => Assert.Contains("440705001", e.Data, StringComparison.Ordinal));
            Assert.True((await factory.Verify(db)).Intact);

            // An alias slipped into the table behind Duban's back is caught by audit verify.
            db.GeoAliases.Add(new Duban.Data.GeoAlias { Alias = "后门别名", Code = "440781", CreatedAt = factory.Clock.GetUtcNow(), CreatedBy = "intruder" });
            await db.SaveChangesAsync();
            try
            {
                var report = await factory.Verify(db);
                Assert.False(report.Intact);
                Assert.Contains("后门别名", report.FirstProblem, StringComparison.Ordinal);
            }
            finally
            {
                await db.GeoAliases.Where(a => a.Alias == "后门别名").ExecuteDeleteAsync();
            }
            Assert.True((await factory.Verify(db)).Intact);
        }
        finally
        {
            if (id != 0) await admin.DeleteAsync($"/api/v1/geo/aliases/{id}");
        }
    }
}
