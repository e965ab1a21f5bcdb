using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

using static Duban.Tests.Features.Proposals.Proposing;

namespace Duban.Tests.Features.Proposals;

/// <summary>A reply that does not come in time: urged, then the supervision job's notice and escalation, the office told; the late reply counted so.</summary>
[Trait("Category", "Database")]
public sealed class LateReplyTests
{
    [Fact]
    public async Task LateReply_IsUrged_ThenEscalated_AndCountsAsLate()
    {
        await using var app = DubanFactory.StartingAt(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8)));
        await app.InitializeAsync();
        var office = app.Desk.CppccOffice();
        var lead = (await office.MemberIds("cppcc", "cppcc-010"))[0];
        var id = (long)(await app.Desk.Member("cppcc-010").Submit("cppcc", 2026, "关于加密城乡公交班次的提案", lead))["id"]!;
        await office.Done(id, "accept", new { hostUnitCode = "4407-jtj" });
        // The city's supervisor urges the host (the core's 催办 on the proposal's matter).
        await app.Desk.Supervisor.Do(id, "urge", new { note = "请按期答复" });

        // Four months on: past the three months, the job notices and escalates, and the office hears of it.
        app.Desk.MoveTo(app.Clock.GetUtcNow().AddMonths(4));
        var steps = app.Services.GetRequiredService<Duban.Features.Supervision.SupervisionSteps>();
        await steps.RunAsync(default);
        Assert.Contains(Duban.Features.Supervision.SupervisionSteps.Notice, (await office.Get(id)).Actions());
        // Still no reply three working days after the notice: escalated (提级督办).
        app.Desk.MoveTo(app.Clock.GetUtcNow().AddDays(7));
        await steps.RunAsync(default);
        var events = (await office.Get(id)).Actions().ToList();
        Assert.Contains("urge", events);
        Assert.Contains(Duban.Features.Supervision.SupervisionSteps.Escalate, events);
        var inbox = (await app.Desk.Handler("4407-zx").GetAsync("/api/v1/notifications?pageSize=100").Ok())["items"]!.AsArray();
        Assert.Contains(inbox, n => (long?)n!["matterId"] == id);
        Assert.True((bool)(await office.Proposal(id))["overdue"]!);

        var replied = await app.Desk.Handler("4407-jtj").Done(id, "reply", new { category = "B", text = "已列入明年公交线网优化计划" }, office);
        Assert.False((bool)replied["reply"]!["firstReplyOnTime"]!);
        var figures = await office.GetAsync("/api/v1/proposals/figures?body=cppcc&year=2026").Ok();
        Assert.Equal((1, 1, 1, 0), ((int)figures["submitted"]!, (int)figures["accepted"]!, (int)figures["replied"]!, (int)figures["repliedOnTime"]!));
        await using var scope = app.Scope();
        Assert.True((await app.Verify(app.Db(scope))).Intact);
    }
}
