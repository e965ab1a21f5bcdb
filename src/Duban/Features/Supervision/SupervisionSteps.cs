using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Notifications;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Supervision;

/// <summary>How many of each automatic step one run took.</summary>
public sealed record StepCounts(int Reminded, int Noticed, int Escalated);

/// <summary>
/// The automatic steps of supervision, each once per deadline: a reminder (催办) to the lead unit
/// when the light turns yellow; a supervision notice (督办通知) to the unit's leaders when the
/// deadline passes; escalation (提级督办) to the unit one level up when the matter is still
/// overdue a configurable time after the notice. Each is an event on the matter and a
/// notification. Several nodes may run this at once: each step re-checks the matter under the
/// audit chain's lock before taking it, so a step is taken once.
/// </summary>
public sealed class SupervisionSteps(IServiceScopeFactory scopes, TimeProvider time, MatterClock clock, IOptions<SupervisionOptions> options,
    ILogger<SupervisionSteps> log)
{
    public const string Remind = "remind";
    public const string Notice = "notice";
    public const string Escalate = "escalate";

    /// <summary>The actor of automatic steps in the events.</summary>
    public static readonly Actor System = new(null, "supervision", "督办系统", "", "", "", new HashSet<string>(StringComparer.Ordinal), []);

    public async Task<StepCounts> RunAsync(CancellationToken ct)
    {
        var now = time.Now();
        // The light's own rule decides, in the query as in the re-check below (LightRule).
        var moment = clock.Moment(now);
        var timeShort = LightRule.Where(LightRule.TimeRunningShort<Matter>(), moment);
        var overdue = LightRule.Where(LightRule.Overdue<Matter>(), moment);
        var batch = options.Value.BatchSize;
        List<long> remind, notice, escalate;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
            // Only clocks started since supervision came (ClockStartedAt): a matter dispatched before
            // the upgrade keeps its deadline and light but is not flooded with notices for old lateness.
            var open = db.Matters.AsNoTracking().Where(m => EF.Constant(Status.Running).Contains(m.Status) && m.DueAt != null && m.PausedAt == null
                && m.ClockStartedAt != null);
            remind = await open.Where(m => m.RemindedAt == null && m.NoticedAt == null).Where(timeShort)
                .OrderBy(m => m.DueAt).Select(m => m.Id).Take(batch).ToListAsync(ct);
            notice = await open.Where(m => m.NoticedAt == null).Where(overdue)
                .OrderBy(m => m.DueAt).Select(m => m.Id).Take(batch).ToListAsync(ct);
            var noticed = await open.Where(m => m.NoticedAt != null && m.EscalatedAt == null).Where(overdue)
                .OrderBy(m => m.NoticedAt).Select(m => new { m.Id, NoticedAt = m.NoticedAt!.Value }).Take(batch).ToListAsync(ct);
            escalate = [.. noticed.Where(x => EscalationDue(x.NoticedAt) <= now).Select(x => x.Id)];
        }
        var counts = new StepCounts(0, 0, 0);
        foreach (var id in remind)
        {
            if (await TakeAsync(id, Remind, ct)) counts = counts with { Reminded = counts.Reminded + 1 };
        }
        foreach (var id in notice)
        {
            if (await TakeAsync(id, Notice, ct)) counts = counts with { Noticed = counts.Noticed + 1 };
        }
        foreach (var id in escalate)
        {
            if (await TakeAsync(id, Escalate, ct)) counts = counts with { Escalated = counts.Escalated + 1 };
        }
        if (counts != new StepCounts(0, 0, 0))
            log.LogInformation("supervision: {Reminded} reminded, {Noticed} notices, {Escalated} escalated", counts.Reminded, counts.Noticed, counts.Escalated);
        return counts;
    }

    private DateTimeOffset EscalationDue(DateTimeOffset noticedAt) => options.Value.EscalationDelay.From(noticedAt, clock.Calendar);

    /// <summary>Takes one step on one matter if it is still due (another node may have taken it, or a person acted).</summary>
    private async Task<bool> TakeAsync(long id, string action, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var workflow = sp.GetRequiredService<MatterWorkflow>();
        var notifier = sp.GetRequiredService<Notifier>();
        var units = sp.GetRequiredService<UnitDirectory>();
        var result = await workflow.RunAsync(id, null, System, action, async (step, ct) =>
        {
            var m = step.Matter;
            var now = step.Now;
            var moment = clock.Moment(now);
            var still = Status.Running.Contains(m.Status) && m.DueAt is not null && m.PausedAt is null && m.LeadUnitCode is not null
                && m.ClockStartedAt is not null;
            var due = m.DueAt.GetValueOrDefault();
            var deadline = Clock.ChinaDeadline(due);
            var lead = await units.FindAsync(m.LeadUnitCode ?? "", ct);
            var leadName = lead?.Name ?? m.LeadUnitCode;
            var subject = Notifier.Subject(m);
            step.Details["dueAt"] = m.DueAt;
            step.Details["unit"] = m.LeadUnitCode;
            switch (action)
            {
                case Remind:
                    if (!still || m.RemindedAt is not null || m.NoticedAt is not null || !LightRule.IsTimeRunningShort(m, moment)) return NotDue;
                    m.RemindedAt = now;
                    step.Reason = $"办理期限 {deadline} 将至";
                    await notifier.AddAsync(new NotifyRequest(m.LeadUnitCode!, [Roles.Handler, Roles.Leader], Remind,
                        $"【催办】{subject}即将到期",
                        $"{leadName}：事项{subject}的办理期限为 {deadline}（北京时间），已用去大部分时限，请抓紧办理并及时报告进展。",
                        m.Id, TitleEn: $"Reminder: {m.Number} is due soon",
                        BodyEn: $"{leadName}: the deadline of {m.Number} is {deadline} (China time) and most of its time is used. Please handle it and report progress."), ct);
                    return null;
                case Notice:
                    if (!still || m.NoticedAt is not null || !LightRule.IsOverdue(m, moment)) return NotDue;
                    m.NoticedAt = now;
                    var reportBy = clock.Calendar.EndOfWorkdays(now, 2);
                    step.Reason = $"已超过办理期限 {deadline}";
                    step.Details["reportBy"] = reportBy;
                    // To the unit's leaders; its handlers see it too (a unit may have no leader's account).
                    await notifier.AddAsync(new NotifyRequest(m.LeadUnitCode!, [Roles.Leader, Roles.Handler], Notice,
                        $"【督办通知】{subject}已超期",
                        $"{leadName}负责同志：事项{subject}已超过办理期限 {deadline}，请督促加快办理，并于 {Clock.ChinaDate(reportBy.AddMilliseconds(-1)):yyyy-MM-dd} 前报告办理情况；逾期仍未办结的，将提级督办。",
                        m.Id, TitleEn: $"Supervision notice: {m.Number} is overdue",
                        BodyEn: $"To the head of {leadName}: {m.Number} passed its deadline of {deadline}. Please have it handled and report by {Clock.ChinaDate(reportBy.AddMilliseconds(-1)):yyyy-MM-dd}; if it is still open then, it is escalated."), ct);
                    await TellFollowersAsync(notifier, workflow.Facets.Followers(m), m, Notice, $"【督办通知】{subject}已超期",
                        $"{leadName}承办的事项{subject}已超过办理期限 {deadline}，已向其发出督办通知。",
                        $"Supervision notice: {m.Number} is overdue", $"{m.Number}, held by {leadName}, passed its deadline of {deadline}; its lead unit was sent a supervision notice.", ct);
                    return null;
                default:
                    if (!still || m.NoticedAt is not { } noticed || m.EscalatedAt is not null || !LightRule.IsOverdue(m, moment) || EscalationDue(noticed) > now) return NotDue;
                    var above = lead?.ParentCode is { } parent ? await units.FindAsync(parent, ct) : null;
                    m.EscalatedAt = now;
                    m.EscalatedTo = above?.Code;
                    step.Reason = above is null ? "已超期且督办通知后仍未办结；主办单位没有上级单位" : $"已超期且督办通知后仍未办结，提级至{above.Name}督办";
                    step.Details["to"] = above?.Code;
                    if (above is not null)
                    {
                        await notifier.AddAsync(new NotifyRequest(above.Code, [Roles.Leader, Roles.Supervisor, Roles.Dispatcher], Escalate,
                            $"【提级督办】{subject}",
                            $"{above.Name}：{leadName}承办的事项{subject}已超过办理期限 {deadline}，{Clock.ChinaDate(noticed):yyyy-MM-dd}发出督办通知后仍未办结，现提级由贵单位督办。",
                            m.Id, TitleEn: $"Escalated: {m.Number}",
                            BodyEn: $"{above.Name}: {m.Number}, held by {leadName}, passed its deadline of {deadline} and is still open after the supervision notice of {Clock.ChinaDate(noticed):yyyy-MM-dd}. It is now yours to supervise."), ct);
                    }
                    await TellFollowersAsync(notifier, workflow.Facets.Followers(m).Where(u => u != above?.Code), m, Escalate, $"【提级督办】{subject}",
                        $"{leadName}承办的事项{subject}已超过办理期限 {deadline}，督办通知后仍未办结，" + (above is null ? "主办单位没有上级单位。" : $"已提级至{above.Name}督办。"),
                        $"Escalated: {m.Number}", $"{m.Number}, held by {leadName}, passed its deadline of {deadline} and is still open after the supervision notice; "
                        + (above is null ? "its lead unit has no unit above it." : $"it was escalated to {above.Name}."), ct);
                    return null;
            }
        }, ct, changesMatter: false, scopeProven: true);
        return result.IsSuccess;
    }

    /// <summary>
    /// The units that follow the matter without holding it (a source's owner: its facets say which) hear of its notice and
    /// escalation: all their staff, for a supervising body's accounts are often its clerks (人大常委会, 政协 offices hold handlers).
    /// </summary>
    private static async Task TellFollowersAsync(Notifier notifier, IEnumerable<string> followers, Matter m, string kind, string title, string body,
        string titleEn, string bodyEn, CancellationToken ct)
    {
        foreach (var unit in followers.Where(u => u != m.LeadUnitCode))
            await notifier.AddAsync(new NotifyRequest(unit, [Roles.Supervisor, Roles.Leader, Roles.Handler], kind, title, body, m.Id,
                TitleEn: titleEn, BodyEn: bodyEn), ct);
    }

    private static readonly Error NotDue = Error.Conflict("not_due", "step no longer due");
}

/// <summary>Runs the supervision steps on every node that has <c>Duban:Supervision:Job</c> on.</summary>
public sealed class SupervisionJob(SupervisionSteps steps, IOptions<SupervisionOptions> options, TimeProvider time, ILogger<SupervisionJob> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Job
            ? PeriodicPass.RunAsync(TimeSpan.FromSeconds(options.Value.JobSeconds), time, steps.RunAsync, e => log.LogError(e, "supervision run failed"), stoppingToken)
            : Task.CompletedTask;
}
