using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

using static Duban.Tests.Features.Sources.NewSource;

namespace Duban.Tests.Features.Leads;

/// <summary>
/// Shared investment leads (Features/Leads): posted by a district, seen only by it and the districts it shares them
/// with, followed and moved along their life in order, every step audited, the company's details kept out of the
/// others' lists and of the audit chain, the figures by district from counters.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class LeadsTests(DubanFactory factory)
{
    private HttpClient Jianghai => factory.Desk.Handler("440704-fgj");
    private HttpClient Enping => factory.Desk.Handler("440785-fgj");
    private HttpClient Taishan => factory.Desk.Handler("440781-fgj");

    private async Task<(long Id, string Company)> PostAsync(decimal investment = 210_000_000m)
    {
        var company = Unique("江门市金隆电器有限公司");
        var created = await (await Jianghai.PostAsJsonAsync("/api/v1/leads", new
        {
            company,
            contact = "招商部 王经理 13800000000",
            industry = "equipment",
            investment,
            needs = "拟建设智能家电生产基地，需工业用地约80亩",
        })).Json(HttpStatusCode.Created);
        return ((long)created["id"]!, company);
    }

    private static async Task<List<long>> ListedAsync(HttpClient client) =>
        [.. (await client.GetAsync("/api/v1/leads?pageSize=100").Ok())["items"]!.AsArray().Select(i => (long)i!["id"]!)];

    [Fact]
    public async Task Lead_SeenOnlyByPosterAndSharingSet_CompanyNeverInOthersListsNorTheAudit()
    {
        var (id, company) = await PostAsync();
        // Before it is shared, the others do not see it: 404 as for a lead that does not exist, and not in their lists.
        await Enping.GetAsync($"/api/v1/leads/{id}").Problem(HttpStatusCode.NotFound);
        await factory.Desk.Supervisor.GetAsync($"/api/v1/leads/{id}").Problem(HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, await ListedAsync(Enping));
        var mine = (await Jianghai.GetAsync("/api/v1/leads?pageSize=100").Ok())["items"]!.AsArray().Single(i => (long)i!["id"]! == id)!;
        Assert.Equal((company, true), ((string?)mine["company"], (bool)mine["own"]!));

        // Only the poster shares it, with districts of the city.
        Assert.StartsWith("districts[1]", (string?)(await Jianghai.PostAsJsonAsync($"/api/v1/leads/{id}/share", new { districts = new[] { "440785", "999999" } })
            .Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        Assert.StartsWith("districts", (string?)(await Jianghai.PostAsJsonAsync($"/api/v1/leads/{id}/share", new { districts = Array.Empty<string>() })
            .Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        var shared = await Jianghai.PostAsJsonAsync($"/api/v1/leads/{id}/share", new { districts = new[] { "440785" } }).Ok();
        Assert.Equal(["440785"], shared["sharedWith"]!.AsArray().Select(d => (string)d!).ToList());
        await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/share", new { districts = new[] { "440781" } }).Problem(HttpStatusCode.Forbidden);

        // 恩平 now sees it: the company on the lead's page, never in its list. 台山 and the city still do not.
        var seen = await Enping.GetAsync($"/api/v1/leads/{id}").Ok();
        Assert.Equal((company, "江海区", "new"), ((string?)seen["company"], (string?)seen["district"]!["name"], (string?)seen["status"]));
        var row = (await Enping.GetAsync("/api/v1/leads?pageSize=100").Ok())["items"]!.AsArray().Single(i => (long)i!["id"]! == id)!;
        Assert.Equal((null, false, 210_000_000m), ((string?)row["company"], (bool)row["own"]!, (decimal)row["investment"]!));
        Assert.DoesNotContain(company, await Enping.GetStringAsync("/console/leads"), StringComparison.Ordinal);
        Assert.Contains(company, await Enping.GetStringAsync($"/console/leads/{id}"), StringComparison.Ordinal);
        await Taishan.GetAsync($"/api/v1/leads/{id}").Problem(HttpStatusCode.NotFound);
        await Taishan.PostAsJsonAsync($"/api/v1/leads/{id}/follow", new { }).Problem(HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, await ListedAsync(Taishan));
        // Its page is the not-found page, with status 404, as for a lead that does not exist.
        var hidden = await Taishan.GetAsync($"/console/leads/{id}");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.DoesNotContain(company, await hidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Shared with all: every district sees it.
        await Jianghai.PostAsJsonAsync($"/api/v1/leads/{id}/share", new { all = true }).Ok();
        Assert.Contains(id, await ListedAsync(Taishan));

        // The audit chain records the post and the shares, holding the company's digest, never its name or contact.
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var events = await db.Events.Where(e => e.Action.StartsWith("lead_") && e.Data.Contains($"\"lead\":{id},")).Select(e => e.Data).ToListAsync();
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.DoesNotContain(company, e, StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain("王经理", e, StringComparison.Ordinal));
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Lead_LifeInOrder_EveryStepAudited_OutOfOrderIs409_FiguresByDistrict()
    {
        var before = await factory.Desk.Leader.GetAsync("/api/v1/leads/figures").Ok();
        var (id, _) = await PostAsync(100_000_000m);
        await Jianghai.PostAsJsonAsync($"/api/v1/leads/{id}/share", new { districts = new[] { "440785", "440703" } }).Ok();

        // Another district follows before it moves the lead; the poster needs not.
        await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/contacted", new { }).Problem(HttpStatusCode.Forbidden);
        await Jianghai.PostAsJsonAsync($"/api/v1/leads/{id}/follow", new { }).Problem(HttpStatusCode.Conflict, "own_lead");
        await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/follow", new { }).Ok();
        await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/follow", new { }).Problem(HttpStatusCode.Conflict, "lead_followed");
        Assert.StartsWith("action", (string?)(await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/win", new { }).Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);

        // new → contacted → negotiating → signed → landed, one step at a time.
        await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/negotiating", new { }).Problem(HttpStatusCode.Conflict, "lead_order");
        await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/contacted", new { }).Ok();
        await Jianghai.PostAsJsonAsync($"/api/v1/leads/{id}/negotiating", new { }).Ok();
        await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/landed", new { }).Problem(HttpStatusCode.Conflict, "lead_order");
        await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/signed", new { }).Ok();
        Assert.StartsWith("amount", (string?)(await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/landed", new { amount = -1m }).Problem(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        var landed = await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/landed", new { amount = 120_000_000m }).Ok();
        Assert.Equal("landed", (string?)landed["status"]);
        await Enping.PostAsJsonAsync($"/api/v1/leads/{id}/lost", new { }).Problem(HttpStatusCode.Conflict, "lead_order");
        await Jianghai.PostAsJsonAsync($"/api/v1/leads/{id}/share", new { all = true }).Problem(HttpStatusCode.Conflict, "lead_closed");

        var lead = await Jianghai.GetAsync($"/api/v1/leads/{id}").Ok();
        Assert.Equal(("440785", 120_000_000m), ((string?)lead["landedIn"]!["code"], (decimal)lead["landed"]!));
        Assert.Equal(["post", "share", "follow", "contacted", "negotiating", "signed", "landed"], lead["steps"]!.AsArray().Select(s => (string)s!["action"]!).ToList());
        Assert.Equal(["440785"], lead["followers"]!.AsArray().Select(f => (string)f!["code"]!).ToList());

        await using (var scope = factory.Scope())
        {
            var db = factory.Db(scope);
            var steps = await db.Events.Where(e => e.Action == "lead_step" && e.Data.Contains($"\"lead\":{id},")).OrderBy(e => e.Seq).Select(e => e.Data).ToListAsync();
            Assert.Equal(4, steps.Count);
            Assert.Contains("\"from\":\"signed\"", steps[3], StringComparison.Ordinal);
            Assert.Contains("\"landedFen\":12000000000", steps[3], StringComparison.Ordinal);
            Assert.True((await factory.Verify(db)).Intact);
        }

        // Figures by district: 江海 posted and shared one more, 恩平 landed one more, with the investment it landed.
        var after = await factory.Desk.Leader.GetAsync("/api/v1/leads/figures").Ok();
        static JsonNode Of(JsonNode figures, string code) => figures["districts"]!.AsArray().Single(d => (string)d!["district"]!["code"]! == code)!;
        Assert.Equal((1, 1), ((int)Of(after, "440704")["posted"]! - (int)Of(before, "440704")["posted"]!, (int)Of(after, "440704")["shared"]! - (int)Of(before, "440704")["shared"]!));
        Assert.Equal((1, 120_000_000m), ((int)Of(after, "440785")["landed"]! - (int)Of(before, "440785")["landed"]!,
            (decimal)Of(after, "440785")["investmentLanded"]! - (decimal)Of(before, "440785")["investmentLanded"]!));
        Assert.Equal(7, after["districts"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("company", null)]
    [InlineData("industry", "steel")]
    [InlineData("investment", -5)]
    [InlineData("needs", "")]
    public async Task BadLead_Is400NamingTheField(string field, object? value)
    {
        var body = new JsonObject { ["company"] = Unique("鸿裕达"), ["industry"] = "electronics", ["investment"] = 100_000_000m, ["needs"] = "需标准厂房" };
        body[field] = value switch { null => null, int i => JsonValue.Create(i), _ => JsonValue.Create((string)value) };
        var problem = await Jianghai.PostAsJsonAsync("/api/v1/leads", body).Problem(HttpStatusCode.BadRequest);
        Assert.StartsWith(field, (string?)problem["title"], StringComparison.Ordinal);
        // A city-level account has no district: it posts none and has no list.
        await factory.Desk.Supervisor.PostAsJsonAsync("/api/v1/leads", new { company = "x", industry = "other", investment = 1m, needs = "x" }).Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Demo_HoldsTheSeedsLandedLeads_SharedOnlyWithEnping()
    {
        long jinlong, storage;
        await using (var scope = factory.Scope())
        {
            var db = factory.Db(scope);
            jinlong = await db.Set<Duban.Features.Leads.Lead>().Where(l => l.Company == "江门市金隆电器有限公司").Select(l => l.Id).SingleAsync();
            storage = await db.Set<Duban.Features.Leads.Lead>().Where(l => l.SharedAll).OrderBy(l => l.Id).Select(l => l.Id).FirstAsync();
        }
        // 002: 金隆电器 invested 210 million yuan in 恩平, through the 江海—恩平 lead-sharing platform.
        var lead = await Enping.GetAsync($"/api/v1/leads/{jinlong}").Ok();
        Assert.Equal(("landed", "440785", 210_000_000m), ((string?)lead["status"], (string?)lead["landedIn"]!["code"], (decimal)lead["landed"]!));
        await Taishan.GetAsync($"/api/v1/leads/{jinlong}").Problem(HttpStatusCode.NotFound);
        // The lead shared with every district: 台山 lists it, without the company.
        var row = (await Taishan.GetAsync("/api/v1/leads?pageSize=100").Ok())["items"]!.AsArray().Single(i => (long)i!["id"]! == storage)!;
        Assert.Null((string?)row["company"]);
        var figures = await Taishan.GetAsync("/api/v1/leads/figures").Ok();
        Assert.True((int)figures["districts"]!.AsArray().Single(d => (string)d!["district"]!["code"]! == "440785")!["landed"]! >= 3);
    }
}
