using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

using static Duban.Tests.Features.Sources.NewSource;

namespace Duban.Tests.Features.Agreements;

/// <summary>
/// Cooperation agreements (Features/Agreements), a source type: recorded through POST /api/v1/sources, each commitment a
/// matter for the committed party with its deadline, the agreement's page tallying them by party and by field.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class AgreementsTests(DubanFactory factory)
{
    private const string Pengjiang = "440703";
    private const string Jianghai = "440704";
    private const string Enping = "440785";

    private string Day(int days) => Duban.Tests.Features.Sources.NewSource.Day(factory, days);

    private JsonObject Agreement(string title) => (JsonObject)System.Text.Json.JsonSerializer.SerializeToNode(new
    {
        type = "agreement",
        title,
        ownerUnitCode = "4407-dcs",
        signedOn = Day(-3),
        parties = new[] { Pengjiang, Jianghai, Enping },
        commitments = new object[]
        {
            new { field = "industry", partyUnitCode = Jianghai, title = "加快共建江门市水都产业园", dueDate = Day(90) },
            new { field = "rural", partyUnitCode = Enping, title = "推动恩平生猪养殖企业与江新肉联厂达成供需合作", dueDate = Day(30) },
            new { field = "talent", partyUnitCode = Enping, title = "选派教师和医护人员交流学习", dueDate = Day(60) },
            new { field = "public_services", partyUnitCode = Pengjiang, title = "深化医疗卫生资源对接合作", dueDate = Day(120) },
        },
    })!;

    [Fact]
    public async Task Agreement_CommitmentsBecomeMattersOfTheirParties_ProgressByPartyAndField()
    {
        var created = await Create(factory.Desk.Supervisor, Agreement(Unique("江门市水都产业园共建合作框架协议")));
        var id = (long)created["id"]!;
        var matters = created["matters"]!.AsArray().Select(m => (long)m!).ToList();
        Assert.Equal(4, matters.Count);

        // Each commitment is a task for its party, due at its date, linked to the agreement as a source's item.
        var source = await factory.Desk.Supervisor.GetAsync($"/api/v1/sources/{id}").Ok();
        Assert.Equal(("agreement", "合作协议"), ((string?)source["type"], (string?)source["typeLabel"]));
        Assert.Equal([(Jianghai, Day(90)), (Enping, Day(30)), (Enping, Day(60)), (Pengjiang, Day(120))],
            source["items"]!.AsArray().Select(i => ((string)i!["leadUnit"]!["code"]!, (string)i["dueDate"]!)).ToList());

        // The rural commitment is carried out by 恩平 and approved: its party and its field show the progress.
        var enping = factory.Desk.Handler(Enping);
        await enping.Do(matters[1], "accept");
        await enping.Do(matters[1], "complete", new { outcome = "江新肉联厂与恩平3家生猪养殖企业签订供货协议" });
        await factory.Desk.Supervisor.Do(matters[1], "approve");

        var a = await factory.Desk.Supervisor.GetAsync($"/api/v1/agreements/{id}").Ok();
        Assert.Equal(("whole", Day(-3)), ((string?)a["sight"], (string?)a["signedOn"]));
        Assert.Equal([Pengjiang, Jianghai, Enping], a["parties"]!.AsArray().Select(p => (string)p!["code"]!).ToList());
        Assert.Equal([(Pengjiang, 1, 0, 0), (Jianghai, 1, 0, 0), (Enping, 2, 1, 50)],
            a["byParty"]!.AsArray().Select(p => ((string)p!["party"]!["code"]!, (int)p["tally"]!["commitments"]!, (int)p["tally"]!["finished"]!, (int)p["tally"]!["progress"]!)).ToList());
        Assert.Equal([("industry", 1, 0), ("technology", 0, 0), ("rural", 1, 1), ("talent", 1, 0), ("public_services", 1, 0)],
            a["byField"]!.AsArray().Select(f => ((string)f!["field"]!, (int)f["tally"]!["commitments"]!, (int)f["tally"]!["finished"]!)).ToList());
        Assert.Equal(25, (int)a["progress"]!);
        Assert.Equal(("rural", Enping, "closed"), ((string?)a["commitments"]![1]!["field"], (string?)a["commitments"]![1]!["party"]!["code"], (string?)a["commitments"]![1]!["status"]));

        // A party sees the commitments it owes, and only its own; a unit of no party sees nothing.
        var own = await enping.GetAsync($"/api/v1/agreements/{id}").Ok();
        Assert.Equal("own", (string?)own["sight"]);
        Assert.Equal([matters[1], matters[2]], own["commitments"]!.AsArray().Select(c => (long)c!["matterId"]!).ToList());
        Assert.Equal([Enping], own["byParty"]!.AsArray().Select(p => (string)p!["party"]!["code"]!).ToList());
        await factory.Desk.Handler("440781-fgj").GetAsync($"/api/v1/agreements/{id}").Problem(HttpStatusCode.NotFound);

        // The console's page shows the same tallies.
        var page = await factory.Desk.Supervisor.GetStringAsync($"/console/agreements/{id}");
        Assert.Contains("data-testid=\"by-party\"", page, StringComparison.Ordinal);
        Assert.Contains($"data-party=\"{Enping}\"", page, StringComparison.Ordinal);
        Assert.Contains("data-field=\"public_services\"", page, StringComparison.Ordinal);

        await using var scope = factory.Scope();
        Assert.True((await factory.Verify(factory.Db(scope))).Intact);
    }

    [Theory]
    [InlineData("parties[1]", "4407-nowhere")]
    [InlineData("commitments[0].partyUnitCode", "4407-nowhere")]
    [InlineData("commitments[0].partyUnitCode", "440781")]
    [InlineData("commitments[0].field", "tourism")]
    [InlineData("commitments[0].dueDate", "2026-02-30")]
    [InlineData("commitments[0].dueDate", "2000-01-01")]
    [InlineData("signedOn", "07/07/2024")]
    [InlineData("signedOn", "2999-01-01")]
    public async Task BadInput_Is400NamingTheField_AndKeepsNothing(string field, string value)
    {
        var title = Unique("蓬江—江海—恩平文旅资源合作框架协议");
        var body = Agreement(title);
        if (field == "parties[1]") body["parties"]![1] = value;
        else if (field.StartsWith("commitments[0].", StringComparison.Ordinal)) body["commitments"]![0]![field["commitments[0].".Length..]] = value;
        else body[field] = value;
        var problem = await factory.Desk.Supervisor.PostAsJsonAsync("/api/v1/sources", body).Problem(HttpStatusCode.BadRequest);
        Assert.StartsWith(field, (string?)problem["title"], StringComparison.Ordinal);
        await using var scope = factory.Scope();
        Assert.False(await factory.Db(scope).Set<Duban.Features.Sources.Source>().AnyAsync(s => s.Title == title));
    }

    [Fact]
    public async Task Demo_HoldsTheSeedsAgreements_WithCommitmentsInTheFiveFields()
    {
        long id;
        await using (var scope = factory.Scope())
        {
            id = await factory.Db(scope).Set<Duban.Features.Sources.Source>().Where(s => s.Title == "江门市水都产业园共建合作框架协议").Select(s => s.Id).SingleAsync();
        }
        var a = await factory.Desk.Supervisor.GetAsync($"/api/v1/agreements/{id}").Ok();
        // 002: signed by 蓬江、江海、恩平, with commitments in industry, technology, rural revitalisation, talent and public services.
        Assert.Equal([(Pengjiang, 2), (Jianghai, 4), (Enping, 3)],
            a["byParty"]!.AsArray().Select(p => ((string)p!["party"]!["code"]!, (int)p["tally"]!["commitments"]!)).ToList());
        Assert.All(a["byField"]!.AsArray(), f => Assert.True((int)f!["tally"]!["commitments"]! > 0));
        // Two are carried out and approved: the 人才服务之家 and the pig trade with 江新肉联厂.
        Assert.Equal([("rural", 1), ("talent", 1)], a["byField"]!.AsArray().Where(f => (int)f!["tally"]!["finished"]! > 0)
            .Select(f => ((string)f!["field"]!, (int)f["tally"]!["finished"]!)).ToList());
    }
}
