using System.Net;
using System.Net.Http.Json;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Matters;

/// <summary>A confidential reporter's identity is sealed, shown only to whom it must be, never to the unit reported on.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class SealedIdentityTests(DubanFactory factory)
{
    private const string PartySchool = "4407-swdx";  // 市委党校, inspected by the first group
    private const string FirstGroup = "4407-xcz1";

    /// <summary>A report about a vice-principal of the party school, raised by <paramref name="name"/>: confidential by its kind.</summary>
    private Task<long> ConfidentialReport(string name) => factory.Desk.Matter(
        NewMatter.Report(PartySchool, "反映市委党校某负责人违规公款吃喝", "该负责人多次以调研名义在酒店公款宴请，费用拆分报销。")
            .About(PartySchool, "某副校长").From(name, "13912345678")).ReceivedAsync();

    [Fact]
    public async Task Report_IsConfidentialByDefault_AndStoredSealed()
    {
        var name = "举报人" + Guid.NewGuid().ToString("N")[..6];
        var id = await ConfidentialReport(name);
        var dispatcher = await factory.As("dispatcher");
        var m = await dispatcher.Get(id);
        Assert.True((bool)m["confidential"]!);
        Assert.Equal("***", (string?)m["raiser"]!["name"]);
        Assert.DoesNotContain(name, m.ToJsonString());
        Assert.DoesNotContain("13912345678", m.ToJsonString());

        await using var scope = factory.Scope();
        var stored = await factory.Db(scope).Matters.AsNoTracking().SingleAsync(x => x.Id == id);
        Assert.StartsWith("v1:", stored.RaiserSealed);
        Assert.DoesNotContain(name, stored.RaiserSealed);
        var events = await factory.Db(scope).Events.AsNoTracking().Where(e => e.MatterId == id).ToListAsync();
        Assert.All(events, e => Assert.DoesNotContain(name, e.Data + e.Reason));
    }

    [Fact]
    public async Task Report_CannotBeDispatchedToTheReportedUnit()
    {
        var id = await ConfidentialReport("王某");
        var dispatcher = await factory.As("dispatcher");
        await dispatcher.Try(id, "dispatch", new { leadUnitCode = PartySchool }).Problem(HttpStatusCode.Conflict, "subject_unit");
        await dispatcher.Try(id, "dispatch", new { leadUnitCode = FirstGroup, coUnitCodes = new[] { PartySchool } }).Problem(HttpStatusCode.Conflict, "subject_unit");
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = FirstGroup });
    }

    [Fact]
    public async Task OnlyTheHandlingInspectionBody_RevealsIdentity_AndEveryRevealIsAnEvent()
    {
        var name = "李" + Guid.NewGuid().ToString("N")[..4];
        var id = await ConfidentialReport(name);
        var dispatcher = await factory.As("dispatcher");
        await dispatcher.Do(id, "dispatch", new { leadUnitCode = FirstGroup });

        foreach (var user in new[] { "dispatcher", "supervisor", "leader", "admin" })
        {
            await (await factory.As(user)).GetAsync($"/api/v1/matters/{id}/raiser").Problem(HttpStatusCode.Forbidden);
        }
        var group = await factory.As("h-" + FirstGroup);
        var revealed = await group.GetAsync($"/api/v1/matters/{id}/raiser").Ok();
        Assert.Equal(name, (string?)revealed["name"]);
        Assert.Equal("13912345678", (string?)revealed["phone"]);

        var m = await dispatcher.Get(id);
        var views = m["events"]!.AsArray().Where(e => (string?)e!["action"] == "raiser_viewed").ToList();
        Assert.Single(views);
        Assert.Equal(FirstGroup, (string?)views[0]!["actorUnitCode"]);
        Assert.Equal(2, (int)m["version"]!); // reading does not change the matter
    }

    [Fact]
    public async Task ReportedUnit_NeverSeesTheReporter_EvenWhenItHandlesTheMatter()
    {
        // A normal (not confidential) complaint about the party school, referred to the school itself.
        var dispatcher = await factory.As("dispatcher");
        var id = await factory.Desk.Matter(new NewMatter("complaint", "党校食堂卫生差", "食堂餐具消毒不到位。").Marked(confidential: false)
            .From("赵六", "13700000000").About(PartySchool)).Lead(PartySchool).DispatchedAsync();
        var school = await factory.As("h-" + PartySchool);
        var m = await school.Get(id);
        // Not even the mask: a surname and seven digits identify a colleague.
        Assert.Equal("***", (string?)m["raiser"]!["name"]);
        Assert.Equal("***", (string?)m["raiser"]!["phone"]);
        Assert.DoesNotContain("赵", m.ToJsonString());
        await school.GetAsync($"/api/v1/matters/{id}/raiser").Problem(HttpStatusCode.Forbidden);
        // The dispatch centre, which is not the subject, may see a normal raiser, and that view is recorded.
        var raiser = await dispatcher.GetAsync($"/api/v1/matters/{id}/raiser").Ok();
        Assert.Equal("赵六", (string?)raiser["name"]);
        Assert.Contains("raiser_viewed", (await dispatcher.Get(id)).Actions());
    }

    [Fact]
    public async Task SealedIdentity_MovedToAnotherMatter_DoesNotOpen()
    {
        var a = await ConfidentialReport("甲");
        var b = await ConfidentialReport("乙");
        var dispatcher = await factory.As("dispatcher");
        await dispatcher.Do(b, "dispatch", new { leadUnitCode = FirstGroup });
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var sealedA = await db.Matters.Where(x => x.Id == a).Select(x => x.RaiserSealed).SingleAsync();
        var sealedB = await db.Matters.Where(x => x.Id == b).Select(x => x.RaiserSealed).SingleAsync();
        await db.Matters.Where(x => x.Id == b).ExecuteUpdateAsync(s => s.SetProperty(x => x.RaiserSealed, sealedA));
        try
        {
            var group = await factory.As("h-" + FirstGroup);
            await group.GetAsync($"/api/v1/matters/{b}/raiser").Problem(HttpStatusCode.Conflict, "seal_broken");
        }
        finally
        {
            // Put the row back: the other tests verify the whole audit chain of this shared database.
            await db.Matters.Where(x => x.Id == b).ExecuteUpdateAsync(s => s.SetProperty(x => x.RaiserSealed, sealedB));
        }
    }

    [Theory]
    [InlineData("s-440781", "440781")]          // 台山市 supervisor, report about 台山市人民政府
    [InlineData("h-440781", "440781")]
    [InlineData("leader", "4407-szf")]          // the city leader, report about 江门市人民政府
    [InlineData("dispatcher", "4407-zsj")]      // the dispatch centre sits under 政务服务和数据管理局
    public async Task ConfidentialReport_InvisibleToTheReportedUnitAndThoseInIt_WhateverTheRole(string user, string subject)
    {
        var dispatcher = await factory.As("supervisor");
        var id = await dispatcher.Register(NewMatter.Report(subject).Via("letter")
            .In(subject.Length == 6 && !subject.StartsWith("4407-", StringComparison.Ordinal) ? subject : null));
        var client = await factory.As(user);
        await client.GetAsync($"/api/v1/matters/{id}").Problem(HttpStatusCode.NotFound);
        var page = await client.GetAsync("/api/v1/matters?status=received&pageSize=100").Ok();
        Assert.DoesNotContain(page["items"]!.AsArray(), i => (long)i!["id"]! == id);
        var version = await dispatcher.Version(id);
        await client.PostAsJsonAsync($"/api/v1/matters/{id}/reject", new { version, reason = "查无实据" }).Problem(HttpStatusCode.NotFound);
        // The city supervision office, not part of the reported unit, still sees and handles it.
        Assert.Equal("received", (string?)(await dispatcher.Get(id))["status"]);
    }
}
