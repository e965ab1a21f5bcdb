using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Supervision;

/// <summary>
/// A matter of each kind through the API, from registration to its closing: the kind is kept, and
/// the dispatch starts the clock under the policy the kind chooses (data/supervision/policies.json).
/// A deputy's suggestion or a CPPCC proposal is not dispatched by the core (its kind's action limit): its
/// assignment starts the deputy-suggestion policy (Features/Proposals' tests).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class PolicyByKindTests(DubanFactory factory)
{
    [Theory]
    [InlineData("complaint", "440704004", "hotline-general")]
    [InlineData("petition", "440781-rsj", "petition")]
    [InlineData("report", "4407-jw", "discipline-report")]
    [InlineData("task", "4407-jw", "default")]
    [InlineData("enterprise_demand", "440781-rsj", "enterprise-rapid")]
    public async Task EachKind_DispatchedUnderItsPolicy_AndClosed(string kind, string lead, string policy)
    {
        var matter = kind switch
        {
            "complaint" => NewMatter.Noise(),
            "petition" => NewMatter.Petition(),
            "report" => NewMatter.Report("4407-rsj"),
            "task" => NewMatter.Task(),
            "enterprise_demand" => NewMatter.EnterpriseDemand(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var builder = factory.Desk.Matter(matter).Lead(lead);
        var dispatched = await factory.Desk.Dispatcher.Get(await builder.DispatchedAsync());
        Assert.Equal(kind, (string?)dispatched["kind"]);
        Assert.Equal(policy, (string?)dispatched["clock"]!["policy"]!["id"]);

        var closed = await factory.Desk.Dispatcher.Get(await builder.ClosedAsync());
        Assert.Equal(("closed", kind), ((string?)closed["status"], (string?)closed["kind"]));
        Assert.Equal(["register", "dispatch", "accept", "complete", "approve"], closed.Actions());
    }
}
