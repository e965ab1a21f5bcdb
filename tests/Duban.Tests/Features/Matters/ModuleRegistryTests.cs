using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Matters;

/// <summary>
/// A module made only of registrations, as a new kind of work is: an action and a facet that exist
/// in this test host alone. The OpenAPI routes, availableActions, the matter page's forms and its
/// sections, the timeline's labels and the audit chain all take them in without any core file
/// knowing them.
/// </summary>
[Trait("Category", "Database")]
public sealed class ModuleRegistryTests
{
    [Fact]
    public async Task TestOnlyAction_AppearsInOpenApi_AvailableActions_AndTheMatterPage_AndRuns()
    {
        await using var factory = new DubanFactory();
        factory.WithServices.Add(services => services.AddMatterFacet<InspectionNotesFacet>().AddMatterAction<InspectionNote>());
        await factory.InitializeAsync();
        var dispatcher = await factory.As("dispatcher");
        var id = await dispatcher.Register(Api.Matter("台城某小区电梯停运 " + Guid.NewGuid().ToString("N")[..6], "440781"));

        // The API: its route in the OpenAPI document, under its tag, with its request's shape.
        var openApi = JsonNode.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        var path = openApi["paths"]!["/api/v1/matters/{id}/inspection-note"];
        Assert.NotNull(path);
        Assert.Equal("Inspection", (string?)path!["post"]!["tags"]![0]);

        // availableActions: offered to a supervisor, not to the dispatcher (its Allows says so).
        var supervisor = await factory.As("supervisor");
        Assert.Contains("inspection-note", (await supervisor.Get(id))["availableActions"]!.AsArray().Select(a => (string?)a));
        Assert.DoesNotContain("inspection-note", (await dispatcher.Get(id))["availableActions"]!.AsArray().Select(a => (string?)a));
        // The core's own actions are listed too, from the same registry.
        Assert.Contains("dispatch", (await dispatcher.Get(id))["availableActions"]!.AsArray().Select(a => (string?)a));

        // The matter page: its form, in its section, and the facet's section.
        var browser = await BrowserAsync(factory, "supervisor");
        var html = await PageAsync(browser, id);
        Assert.Contains("name=\"_handler\" value=\"inspection-note\"", html, StringComparison.Ordinal);
        Assert.Contains("记录巡察意见", html, StringComparison.Ordinal);
        Assert.Matches("data-testid=\"actions-correct\"[^<]*>\\s*<summary>[^<]*</summary>[\\s\\S]*inspection-note", html);
        Assert.Contains("data-testid=\"inspection-notes\">0<", html, StringComparison.Ordinal);
        // The dispatcher is not offered it: only the hidden form that answers a post from a stale page is there.
        var other = await PageAsync(await BrowserAsync(factory, "dispatcher"), id);
        Assert.DoesNotContain("记录巡察意见", other, StringComparison.Ordinal);
        Assert.Matches("<form method=\"post\" hidden[^>]*>\\s*<input type=\"hidden\" name=\"_handler\" value=\"inspection-note\"", other);

        // Posted through the page, it runs through the registry like any action; its event is labelled on the timeline.
        var version = (int)(await supervisor.Get(id))["version"]!;
        var posted = await browser.PostAsync($"/console/matters/{id}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "inspection-note",
            ["__RequestVerificationToken"] = PageForms.Token(html),
            ["version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["note"] = "已约谈物业公司",
        }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal($"/console/matters/{id}?done=inspection-note", posted.Headers.Location!.PathAndQuery);
        html = await PageAsync(browser, id, "?done=inspection-note");
        Assert.Contains("已完成：记录巡察意见", html, StringComparison.Ordinal);
        Assert.Contains("<strong>巡察意见</strong>", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"inspection-notes\">1<", html, StringComparison.Ordinal);

        // The API runs it too; the facet's part is in the detail; the chain holds.
        await supervisor.Do(id, "inspection-note", new { note = "二次约谈" });
        var m = await supervisor.Get(id);
        Assert.Equal(2, (int)m["facets"]!["inspection"]!["notes"]!);
        Assert.Equal(["register", "inspection_note", "inspection_note"], m.Actions());
        await dispatcher.Try(id, "inspection-note", new { note = "调度员" }).Problem(HttpStatusCode.Forbidden);
        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    /// <summary>
    /// A module's members of a core action's request (complete's, an IExtensibleRequest) reach its facet
    /// after the action: what the facet keeps is in the event; what it refuses is a 400 naming the member,
    /// and the whole step is undone (the matter stays in progress, no event).
    /// </summary>
    [Fact]
    public async Task ModuleMembers_OfCompletesRequest_ReachTheFacet_AndARefusalUndoesTheStep()
    {
        await using var factory = new DubanFactory();
        factory.WithServices.Add(services => services.AddMatterFacet<CountedOutcomeFacet>());
        await factory.InitializeAsync();
        var dispatcher = factory.Desk.Dispatcher;
        var handler = factory.Desk.Handler("440781-rsj");
        var refused = await factory.Desk.Matter(NewMatter.Wages("台城某厂欠薪 " + Guid.NewGuid().ToString("N")[..6])).Lead("440781-rsj").InProgressAsync();
        var problem = await handler.Try(refused, "complete", new { outcome = "已清偿", counted = "many" }, reader: dispatcher).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("counted", (string?)problem["title"], StringComparison.Ordinal);
        var still = await dispatcher.Get(refused);
        Assert.Equal("in_progress", (string?)still["status"]);
        Assert.DoesNotContain("complete", still.Actions());

        await handler.Do(refused, "complete", new { outcome = "已清偿", counted = 23 }, reader: dispatcher);
        var done = await dispatcher.Get(refused);
        Assert.Equal("pending_review", (string?)done["status"]);
        Assert.Equal(23, (int)done["events"]!.AsArray().Last(e => (string?)e!["action"] == "complete")!["data"]!["counted"]!);
        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    /// <summary>
    /// A kind a module registers with its traits: only the actions it names are offered or taken
    /// (409 not_for_kind), and it carries only the facets it names (here none: no plan card).
    /// </summary>
    [Fact]
    public async Task KindTraits_LimitTheActionsAndFacets_OfAModulesKind()
    {
        await using var factory = new DubanFactory();
        factory.WithServices.Add(services => services.AddMatterAction<InspectionNote>().AddMatterKind(new KindTraits("inspection_finding",
            new("巡察发现问题", "Inspection finding"), Public: false, Facets: new HashSet<string>(), Actions: new HashSet<string> { InspectionNote.Name, "urge" })));
        await factory.InitializeAsync();
        var supervisor = await factory.As("supervisor");
        var id = await supervisor.Register(new
        {
            kind = "inspection_finding",
            channel = "meeting",
            title = "某局违规收费问题",
            content = "巡察组反馈：某局存在违规收费。",
            territoryCode = "440781",
        });

        var m = await supervisor.Get(id);
        Assert.Equal([InspectionNote.Name], m["availableActions"]!.AsArray().Select(a => (string)a!).ToList());
        await supervisor.Try(id, "dispatch", new { leadUnitCode = "440781-rsj" }).Problem(HttpStatusCode.Conflict, "not_for_kind");
        await supervisor.Try(id, "plan-required", new { reason = "须整改" }).Problem(HttpStatusCode.Conflict, "not_for_kind");
        await supervisor.Do(id, InspectionNote.Name, new { note = "已记录" });
        var html = await PageAsync(await BrowserAsync(factory, "supervisor"), id);
        Assert.Contains("巡察发现问题", html, StringComparison.Ordinal);
        Assert.Contains("记录巡察意见", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"actions-handle\"", html, StringComparison.Ordinal);
        // The portal does not take a kind that is not public.
        var portal = factory.CreateClient();
        await portal.PostAsJsonAsync("/api/v1/public/reports", new { kind = "inspection_finding", title = "t", content = "c", anonymous = true })
            .Problem(HttpStatusCode.BadRequest, "validation");
        await using var scope = factory.Scope();
        var report = await factory.Verify(factory.Db(scope));
        Assert.True(report.Intact, report.FirstProblem);
    }

    /// <summary>
    /// The facets' order is theirs, not their registration's: the hash's parts and the guards'
    /// precedence must not change because two lines of a services method were swapped.
    /// </summary>
    [Fact]
    public void Facets_AreOrderedByTheirOwnOrder_NotByRegistration()
    {
        var kinds = new MatterKinds(MatterKinds.Core.Select(k => new KindRegistration(k)));
        var plan = new Duban.Features.RectificationPlans.PlanFacet();
        var subTasks = new Duban.Features.SubTasks.SubTasksFacet();
        var later = new InspectionNotesFacet();
        Assert.Equal(["subtasks", "plan", "inspection"], new MatterFacets([later, plan, subTasks], kinds).All.Select(f => f.Name));
        Assert.Equal(["subtasks", "plan", "inspection"], new MatterFacets([subTasks, later, plan], kinds).All.Select(f => f.Name));
    }

    private static async Task<HttpClient> BrowserAsync(DubanFactory factory, string username)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { username, password = DubanFactory.Password })).EnsureSuccessStatusCode();
        return client;
    }

    private static async Task<string> PageAsync(HttpClient client, long id, string query = "")
    {
        var answer = await client.GetAsync($"/console/matters/{id}{query}");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return await answer.Content.ReadAsStringAsync();
    }

}

/// <summary>记录巡察意见: a supervisor notes an inspection finding on a matter (an event, nothing else).</summary>
public sealed class InspectionNote(MatterWorkflow workflow) : MatterAction<InspectionNote, VersionedRequest>, IDescribedAction
{
    public const string Name = "inspection-note";
    public const string EventName = "inspection_note";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Correct, typeof(VersionedRequest), new("记录巡察意见", "Note an inspection finding"),
        [new(EventName, new("巡察意见", "Inspection finding"))],
        [new(Name, new("记录巡察意见", "Note an inspection finding"), typeof(Duban.Features.Matters.Forms.NoteForm),
            p => FormPost.Ok(new VersionedRequest(p.Version, p.Text("note"))))],
        Tag: "Inspection");

    public override Task<Result<Matter>> ExecuteAsync(long id, VersionedRequest request, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, request.Version, actor, EventName, (step, _) =>
        {
            if (!actor.Has(Roles.Supervisor)) return Task.FromResult<Error?>(ActionRules.NotYours("记录巡察意见"));
            step.Reason = Text.OrNull(request.Note);
            return Task.FromResult<Error?>(null);
        }, ct, changesMatter: false);

    public override bool Allows(ActionContext context) => context.Actor.Has(Roles.Supervisor);
}

/// <summary>The inspection notes of a matter, counted from its events: a part of the detail and a section of the page.</summary>
public sealed class InspectionNotesFacet : MatterFacet
{
    public override string Name => "inspection";

    public override async Task<MatterDetail> DescribeAsync(MatterDetail detail, Matter m, FacetView view, CancellationToken ct)
    {
        var notes = await view.Db.Events.CountAsync(e => e.MatterId == m.Id && e.Action == InspectionNote.EventName, ct);
        return detail with { Facets = new Dictionary<string, object?>(detail.Facets) { [Name] = new { notes } } };
    }

    public override Type? PageSection => typeof(InspectionNotesSection);
}

/// <summary>A module's member of complete's request: <c>counted</c>, a whole number, kept in the completion's event.</summary>
public sealed class CountedOutcomeFacet : MatterFacet
{
    public override string Name => "counted";

    public override Task<Error?> OnActionAsync(string action, ActionStep step, CancellationToken ct)
    {
        if (action != Complete.Name || step.Extensions["counted"] is not { } given) return Task.FromResult<Error?>(null);
        if (given.GetValueKind() != System.Text.Json.JsonValueKind.Number || !given.AsValue().TryGetValue<int>(out var counted))
            return Task.FromResult<Error?>(Error.Validation("counted must be a whole number / 数量应为整数"));
        step.Details["counted"] = counted;
        return Task.FromResult<Error?>(null);
    }
}

/// <summary>The facet's section of the matter page (a component written in C#, as a module without Razor may).</summary>
public sealed class InspectionNotesSection : ComponentBase
{
    [Parameter] public MatterDetail Matter { get; set; } = null!;

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenElement(0, "p");
        builder.AddAttribute(1, "data-testid", "inspection-notes");
        builder.AddContent(2, Matter.Events.Count(e => e.Action == InspectionNote.EventName));
        builder.CloseElement();
    }
}
