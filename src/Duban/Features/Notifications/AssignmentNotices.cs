using Duban.Common;
using Duban.Data;
using Duban.Features.Units;

namespace Duban.Features.Notifications;

/// <summary>
/// 交办通知: a unit hears at once that a matter was given to it (dispatched, re-dispatched, assigned by a module, born
/// as a source's item or a sub-task), as the lead unit (主办) or a co-unit (协办), with the time to sign for it and
/// the deadline. In the caller's transaction, as every notification. The matter is named as <see cref="Notifier.Subject"/>
/// names it (a confidential one by its number alone); nothing of the raiser.
/// </summary>
public static class AssignmentNotices
{
    public const string Lead = "dispatch";
    public const string Co = "co_dispatch";

    public static async Task AddAsync(Notifier notifier, UnitDirectory units, Matter m, IEnumerable<Assignment> given, CancellationToken ct)
    {
        var subject = Notifier.Subject(m);
        var due = m.DueAt is { } d ? Clock.ChinaDeadline(d) : null;
        foreach (var a in given)
        {
            var name = (await units.FindAsync(a.UnitCode, ct))?.Name ?? a.UnitCode;
            var lead = a.Role == "lead";
            var sign = a.SignDueAt is { } s ? Clock.ChinaDeadline(s) : null;
            var body = $"{name}：事项{subject}已交由贵单位{(lead ? "主办" : "协办")}"
                + (sign is null ? "" : $"，请于 {sign} 前签收") + (due is null ? "。" : $"，办理期限 {due}（北京时间）。");
            var bodyEn = $"{name}: {m.Number} was given to your unit {(lead ? "to lead" : "to help handle")}"
                + (sign is null ? "" : $"; sign for it by {sign}") + (due is null ? "." : $"; it is due {due} (China time).");
            await notifier.AddAsync(new NotifyRequest(a.UnitCode, [Roles.Handler, Roles.Leader], lead ? Lead : Co,
                $"【{(lead ? "交办" : "协办")}】{subject}", body, m.Id,
                TitleEn: $"{(lead ? "Dispatched to you" : "Co-handling")}: {m.Number}", BodyEn: bodyEn), ct);
        }
    }
}
