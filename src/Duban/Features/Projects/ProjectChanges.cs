using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Sources;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Projects;

/// <summary>POST /api/v1/projects/{id}/investment: the investment completed in a month, in yuan.</summary>
public sealed record InvestmentRequest(string? Month, decimal? Amount);

/// <summary>POST /api/v1/projects/{id}/milestones/{seq}/done: the day it was reached (yyyy-MM-dd; today when absent).</summary>
public sealed record MilestoneDoneRequest(string? DoneOn);

/// <summary>A monthly report as recorded: the month's amount now, and the one it replaced (null for the first).</summary>
public sealed record InvestmentRecorded(long ProjectId, string Month, decimal Amount, decimal? Previous, decimal CompletedThisYear);

/// <summary>
/// The owner unit's changes to its project: the monthly report of investment completed (月报), appended (a correction
/// is a new row; the latest of a month counts) with the project's completed figure and the rollup kept in step; and a
/// milestone reached. Each one audited change on the system chain; a report closes the month's open report duty
/// (<see cref="ProjectReportDuties"/>) in the same change.
/// </summary>
public sealed class ProjectChanges(DubanDb db, AuditLog audit, TimeProvider time, SourceAccess access, Matters.MatterClock clock, Matters.MatterFacets facets)
{
    public const string InvestmentReported = "project_investment";
    public const string MilestoneReached = "project_milestone_done";

    public Task<Result<InvestmentRecorded>> ReportInvestmentAsync(long id, InvestmentRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<InvestmentRecorded>(async () =>
        {
            ArgumentNullException.ThrowIfNull(req);
            var found = await OwnedAsync(id, actor, "只有项目业主单位可以报送投资完成情况 / only the project's owner unit reports its investment", ct);
            if (!found.IsSuccess) return found.Error!;
            var p = found.Value!;
            var now = time.Now();
            var thisMonth = Clock.ChinaDate(now);
            if (Text.OrNull(req.Month) is not { } monthText
                || !DateOnly.TryParseExact(monthText + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) || month.Year < 2000)
                return Error.Validation("month is required, yyyy-MM / 请填写月份（yyyy-MM）");
            if (month > new DateOnly(thisMonth.Year, thisMonth.Month, 1)) return Error.Validation("month is in the future / 不能报送未来月份的投资");
            if (req.Amount is not { } yuan) return Error.Validation("amount is required, in yuan / 请填写完成投资（元）");
            var fen = ProjectSourceType.Fen(yuan, "amount");
            if (!fen.IsSuccess) return fen.Error!;
            var key = month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            var previous = await db.Set<ProjectInvestment>().Where(i => i.ProjectId == p.SourceId && i.Month == key)
                .OrderByDescending(i => i.Id).Select(i => (long?)i.AmountFen).FirstOrDefaultAsync(ct);
            db.Set<ProjectInvestment>().Add(new ProjectInvestment { ProjectId = p.SourceId, Month = key, AmountFen = fen.Value, ReportedAt = now, ReportedBy = actor.Id });
            // Only the months of the plan's year count against it (and in the year's figures); other months are kept.
            if (month.Year == p.Year)
            {
                var delta = fen.Value - (previous ?? 0);
                p.CompletedFen += delta;
                var figure = await ProjectSourceType.FigureAsync(db, p.Year, p.Level, p.Industry, ct);
                figure.CompletedFen += delta;
                (await ProjectSourceType.AreaFigureAsync(db, p.Year, p.CountyCode, ct)).CompletedFen += delta;
                (await ProjectSourceType.MonthFigureAsync(db, p.Year, key, ct)).CompletedFen += delta;
            }
            // The month's report duty (月报督办), when one is open, is closed by this report, in this change.
            var duty = await ProjectReportDuties.CloseStepAsync(db, audit, clock, facets, p.SourceId, key, yuan, actor, now, ct);
            var data = new JsonObject { ["project"] = p.SourceId, ["month"] = key, ["amountFen"] = fen.Value, ["previousFen"] = previous, ["completedFen"] = p.CompletedFen };
            if (duty is not null) data["dutyClosed"] = duty;
            return new ChangeMade<InvestmentRecorded>(
                new InvestmentRecorded(p.SourceId, key, yuan, previous is { } was ? ProjectSourceType.Yuan(was) : null, ProjectSourceType.Yuan(p.CompletedFen)),
                [new AuditEvent(actor, InvestmentReported, data)], []);
        }, ct);

    public Task<Result<int>> MilestoneDoneAsync(long id, int seq, MilestoneDoneRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<int>(async () =>
        {
            ArgumentNullException.ThrowIfNull(req);
            var found = await OwnedAsync(id, actor, "只有项目业主单位可以报告节点完成 / only the project's owner unit reports a milestone reached", ct);
            if (!found.IsSuccess) return found.Error!;
            var milestone = await db.Set<ProjectMilestone>().FirstOrDefaultAsync(m => m.ProjectId == id && m.Seq == seq, ct);
            if (milestone is null) return Error.NotFound("节点不存在 / milestone not found");
            if (milestone.DoneOn is not null) return Error.Conflict("milestone_done", "节点已完成 / the milestone is already reached");
            var today = Clock.ChinaDate(time.Now());
            var day = today;
            if (Text.OrNull(req.DoneOn) is { } text
                && (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day) || day > today || day.Year < 2000))
                return Error.Validation("doneOn must be a date not after today, yyyy-MM-dd / 完成日期格式应为 yyyy-MM-dd，且不晚于今天");
            milestone.DoneOn = ProjectSourceType.Day(day);
            // Behind schedule is read from the earliest milestone still to reach: kept here, as the milestone is reached.
            var project = found.Value!;
            project.NextDue = await db.Set<ProjectMilestone>().Where(m => m.ProjectId == id && m.Seq != seq && m.DoneOn == null)
                .OrderBy(m => m.DueDate).Select(m => m.DueDate).FirstOrDefaultAsync(ct);
            var data = new JsonObject { ["project"] = id, ["seq"] = seq, ["title"] = milestone.Title, ["dueDate"] = milestone.DueDate, ["doneOn"] = milestone.DoneOn };
            return new ChangeMade<int>(seq, [new AuditEvent(actor, MilestoneReached, data)], []);
        }, ct);

    /// <summary>The project, when the actor is of its owner unit: 404 to one who may not see it, 403 to one who sees it but does not own it.</summary>
    private async Task<Result<Project>> OwnedAsync(long id, Actor actor, string forbidden, CancellationToken ct)
    {
        var p = await db.Set<Project>().FirstOrDefaultAsync(x => x.SourceId == id, ct);
        var s = p is null ? null : await db.Set<Source>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (p is null || s is null || (await access.SightAsync(db, actor, s, ct)).Sight != SourceSight.Whole) return Error.NotFound(ProjectQueries.NotFoundText);
        if (actor.UnitCode != s.OwnerUnitCode) return Error.Forbidden(forbidden);
        return p;
    }
}
