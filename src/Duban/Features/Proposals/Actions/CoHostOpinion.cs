using System.Text.Json;
using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;

namespace Duban.Features.Proposals.Actions;

/// <summary>A co-host's opinion as kept beside the reply.</summary>
public sealed record CoHostOpinionView(string Unit, string Text, DateTimeOffset At);

/// <summary>会办意见: a co-host sends its opinion to the host before the reply; it is kept beside the reply. One per unit (a later one replaces it).</summary>
public sealed class CoHostOpinion(MatterWorkflow workflow, ProposalAccess access) : MatterAction<CoHostOpinion, CoHostOpinionRequest>, IDescribedAction
{
    public const string Name = "proposal-opinion";

    public static MatterActionInfo Describe { get; } = new(Name, ActionSection.Handle, typeof(CoHostOpinionRequest), new("会办意见", "Co-host's opinion"),
        [new(Name, new("会办意见", "Co-host's opinion sent"))], [], Tag: "Proposals", Summary: "A co-host sends its opinion to the host");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<CoHostOpinionView> Read(string? opinions) =>
        opinions is null ? [] : JsonSerializer.Deserialize<List<CoHostOpinionView>>(opinions, Json) ?? [];

    public override Task<Result<Matter>> ExecuteAsync(long id, CoHostOpinionRequest req, Actor actor, CancellationToken ct) =>
        workflow.RunAsync(id, req.Version, actor, Name, (step, _) =>
        {
            var m = step.Matter;
            var seen = ProposalRules.Visible(access, actor, m);
            if (!seen.IsSuccess) return Task.FromResult(seen.Error);
            var p = seen.Value!;
            var error = Check(actor, m, p) ?? ProposalRules.Text(req.Text, "text", 20_000);
            if (error is not null) return Task.FromResult<Error?>(error);
            var list = Read(p.Opinions).Where(o => o.Unit != actor.UnitCode).Append(new CoHostOpinionView(actor.UnitCode, req.Text!.Trim(), step.Now)).ToList();
            p.Opinions = JsonSerializer.Serialize(list, Json);
            step.Reason = req.Text!.Trim();
            return Task.FromResult<Error?>(null);
        }, ct, scopeProven: true);

    public override bool Allows(ActionContext context) =>
        ProposalFacet.Of(context.Matter).Row is { } p && Check(context.Actor, context.Matter, p) is null;

    private static Error? Check(Actor actor, Matter m, Proposal p) =>
        ProposalRules.RequireStatus("提出会办意见", p, ProposalStatus.Assigned, ProposalStatus.Rehandling)
        ?? (ProposalAccess.IsCoHost(actor, m) ? null : Error.Forbidden("只有会办单位可以提出会办意见 / only a co-host sends an opinion"));
}
