using Duban.Common;
using Duban.Data;
using Duban.Features.Sealing;

namespace Duban.Features.Matters.Actions;

/// <summary>
/// 查看来访人身份: opens the sealed identity for someone who must see it. Every opening is an
/// audit event (who, when), and never possible for the unit reported on.
/// </summary>
public sealed class RevealRaiser(MatterWorkflow workflow, Sealer sealer)
{
    public const string EventName = "raiser_viewed";

    public async Task<Result<RaiserInput>> ExecuteAsync(long id, Actor actor, CancellationToken ct)
    {
        RaiserInput? identity = null;
        var result = await workflow.RunAsync(id, null, actor, EventName, async (step, ct) =>
        {
            var m = step.Matter;
            if (m.RaiserAnonymous || m.RaiserSealed is null) return Error.Conflict("no_raiser", "该事项为匿名或无来访人信息 / the matter has no raiser identity");
            if (!await workflow.Scope.MaySeeRaiserAsync(actor, m, workflow.Units, ct))
                return Error.Forbidden("您无权查看来访人身份 / you may not see the raiser's identity");
            identity = MatterQueries.OpenRaiser(sealer, m);
            return identity is null ? Error.Conflict("seal_broken", "来访人信息无法解封（密钥不符或数据被改动） / the sealed identity does not open") : null;
        }, ct, changesMatter: false);
        return result.IsSuccess ? identity! : result.Error!;
    }
}
