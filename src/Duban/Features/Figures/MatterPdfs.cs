using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Calendar;
using Duban.Features.Figures.Pdf;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Figures;

/// <summary>
/// The printed documents of a matter, as PDF with a Chinese font: the assignment slip (交办单) a
/// unit receives with a dispatch, and the supervision notice (督办通知) a supervisor issues to the
/// lead unit. Neither ever shows the raiser (name, phone, or that a report was made by someone known).
/// </summary>
public sealed class MatterPdfs(DubanDb db, MatterKinds kinds, MatterScope scope, UnitDirectory directory, GeoService geo, WorkCalendar calendar, PdfFonts fonts,
    TimeProvider time, IConfiguration configuration, MatterClock clock)
{
    /// <summary>Working days the lead unit has to report on a supervision notice (Duban:Pdf:ReportWithinWorkdays).</summary>
    private int ReportWithin => Math.Clamp(configuration.GetValue("Duban:Pdf:ReportWithinWorkdays", 3), 1, 30);

    /// <summary>交办单: for anyone who sees the matter (404 otherwise), once a unit holds it (409 before).</summary>
    public async Task<Result<byte[]>> SlipAsync(long id, Actor actor, CancellationToken ct)
    {
        var m = await VisibleAsync(id, actor, ct);
        if (m is null) return Error.NotFound();
        var lead = m.Assignments.Where(a => a.Active && a.Role == "lead").OrderByDescending(a => a.AssignedAt).FirstOrDefault();
        if (lead is null || !Status.Running.Contains(m.Status) && m.Status != Status.Closed)
            return Error.Conflict("not_dispatched", "事项尚未交办（或已退回），没有交办单 / the matter is not dispatched to a unit, so it has no assignment slip");
        if (fonts.Face() is { IsSuccess: false } missing) return missing.Error!;

        var units = await directory.AllAsync(ct);
        string Name(string? code) => code is null ? "—" : units.TryGetValue(code, out var u) ? u.Name : code;
        // Who dispatched: the dispatch (or the sub-task's registration by a split) that made the lead's
        // assignment: the first such event from the assignment's moment on (the event is stamped a
        // moment after the assignment it records).
        var by = await db.Events.AsNoTracking()
            .Where(e => e.MatterId == m.Id && e.At >= lead.AssignedAt && (e.Action == Dispatch.Name || e.Action == SubTasks.Split.SubTaskRegistered))
            .OrderBy(e => e.Seq).Select(e => new { e.ActorUnitCode, e.ActorName }).FirstOrDefaultAsync(ct);
        var co = m.Assignments.Where(a => a.Active && a.Role != "lead").Select(a => Name(a.UnitCode)).ToList();
        var place = MatterQueries.Territory(geo.Gazetteer.Divisions, m.TerritoryCode) is { Path.Count: > 0 } t ? string.Join(" ", t.Path) : "—";

        var doc = new Document(fonts.Face().Value!, "交办单", $"编号：{m.Number}", time.Now());
        doc.Field("事项编号", m.Number);
        doc.Field("标题", m.Title);
        doc.Field("类型", (kinds.Find(m.Kind)?.Label.Zh ?? m.Kind) + (m.Urgency == "normal" ? "" : $"（{UrgencyName(m.Urgency)}）"));
        doc.Field("类别", m.Category ?? "—");
        doc.Field("发生地", place);
        doc.Field("主办单位", Name(lead.UnitCode));
        doc.Field("协办单位", co.Count == 0 ? "无" : string.Join("、", co));
        doc.Field("交办时间", When(lead.AssignedAt));
        doc.Field("签收时限", lead.SignDueAt is { } sign ? When(sign) : "—");
        doc.Field("办理时限", m.DueAt is { } due ? When(due) : "—");
        doc.Field("时限规则", m.TimePolicy is null ? "—" : clock.Policies.Find(m.TimePolicy) is { } policy ? $"{policy.Name}（{policy.Handle.Chinese}）" : m.TimePolicy);
        doc.Field("交办单位", by is null ? "—" : by.ActorUnitCode is { } u ? Name(u) : by.ActorName);
        doc.Gap();
        doc.Heading("事项内容");
        doc.Paragraph(m.Content);
        doc.Gap();
        doc.Paragraph("请主办单位在签收时限内签收，会同协办单位在办理时限内办结，并如实反馈办理结果。不属于本单位职责的，应在规定时限内说明理由退回。");
        doc.Footer($"打印时间：{When(time.Now())}");
        return doc.Save();
    }

    /// <summary>督办通知: coordinators only (a handler gets 403), for a matter a unit holds now (409 otherwise).</summary>
    public async Task<Result<byte[]>> NoticeAsync(long id, Actor actor, CancellationToken ct)
    {
        var m = await VisibleAsync(id, actor, ct);
        if (m is null) return Error.NotFound();
        if (!actor.HasAny(Roles.Supervisor, Roles.Dispatcher, Roles.Leader, Roles.Admin))
            return Error.Forbidden("督办通知由督办、受理人员或领导签发 / a supervision notice is issued by supervisors, dispatchers and leaders");
        if (!Status.Running.Contains(m.Status) || m.LeadUnitCode is null)
            return Error.Conflict("not_running", "事项不在办理中，无需督办 / only a matter a unit is handling gets a supervision notice");
        if (fonts.Face() is { IsSuccess: false } missing) return missing.Error!;

        var units = await directory.AllAsync(ct);
        string Name(string? code) => code is null ? "—" : units.TryGetValue(code, out var u) ? u.Name : code;
        var now = time.Now();
        var today = Clock.ChinaDate(now);
        var reportBy = calendar.AddWorkdays(today, ReportWithin);
        var lead = Name(m.LeadUnitCode);
        var issuer = actor.UnitCode.Length > 0 ? Name(actor.UnitCode) : actor.DisplayName;
        var co = m.Assignments.Where(a => a.Active && a.Role != "lead").Select(a => Name(a.UnitCode)).ToList();
        var assigned = m.Assignments.Where(a => a.Active && a.Role == "lead").Select(a => (DateTimeOffset?)a.AssignedAt).Max();
        string standing;
        if (m.DueAt is not { } due) standing = "未设办理时限";
        else
        {
            var days = today.DayNumber - Clock.ChinaDate(due).DayNumber;
            standing = due < now ? $"已超期 {Math.Max(1, days)} 天" : days == 0 ? "今日到期" : $"距办理时限还有 {-days} 天";
        }

        var doc = new Document(fonts.Face().Value!, "督办通知", $"{m.Number}　{today:yyyy年M月d日}", now);
        doc.Paragraph($"{lead}：");
        var escalation = m.EscalatedTo is { } to ? $"，并已提级督办至{Name(to)}" : "";
        var due0 = m.DueAt is { } d ? When(d) : "未设定";
        doc.Paragraph($"　　你单位主办的“{m.Title}”（编号 {m.Number}），办理时限为 {due0}，目前{standing}。该事项已催办 {m.UrgeCount} 次{escalation}。" +
            $"请高度重视，压实责任，抓紧办理，并于 {reportBy:yyyy年M月d日} 前将办理进展和下一步措施书面报送{issuer}。");
        doc.Gap();
        doc.Field("事项编号", m.Number);
        doc.Field("标题", m.Title);
        doc.Field("主办单位", lead);
        doc.Field("协办单位", co.Count == 0 ? "无" : string.Join("、", co));
        doc.Field("交办时间", assigned is { } a0 ? When(a0) : "—");
        doc.Field("办理时限", due0);
        doc.Field("办理情况", $"{Status.Chinese(m.Status)}，进度 {m.Progress}%，{standing}");
        doc.Field("催办次数", m.UrgeCount.ToString(CultureInfo.InvariantCulture));
        doc.Field("重点督办", m.KeySupervision ? "是" : "否");
        doc.Field("提级督办", m.EscalatedTo is { } e ? $"{Name(e)}（{(m.EscalatedAt is { } at ? When(at) : "—")}）" : "无");
        doc.Field("报送期限", $"{reportBy:yyyy年M月d日}（{ReportWithin} 个工作日内）");
        doc.Gap();
        doc.Signature(issuer, $"{today:yyyy年M月d日}");
        doc.Footer($"签发人：{actor.DisplayName}　打印时间：{When(now)}");
        return doc.Save();
    }

    private Task<Matter?> VisibleAsync(long id, Actor actor, CancellationToken ct) =>
        scope.Visible(db.Matters.AsNoTracking(), db, actor).Include(m => m.Assignments).SingleOrDefaultAsync(m => m.Id == id, ct);

    private static string When(DateTimeOffset t) => t.ToOffset(Clock.ChinaOffset).ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);

    private static string UrgencyName(string urgency) => urgency switch
    {
        "urgent" => "紧急",
        "emergency" => "特急",
        _ => urgency,
    };

    /// <summary>An A4 document written top to bottom: a title, fields (label: value), paragraphs, wrapped by character.</summary>
    internal sealed class Document
    {
        private const double Margin = 56, Title = 22, Body = 11, Bold = 12, Small = 9, LabelWidth = 80;
        private const double Gray = 128 / 255.0;
        private readonly PdfDocument pdf;
        private readonly PdfFlow flow;

        public Document(PdfFace face, string heading, string subheading, DateTimeOffset now)
        {
            pdf = new PdfDocument(face.Font) { Title = heading, Subject = subheading, Creator = "Duban 督办", Created = now.ToOffset(Clock.ChinaOffset) };
            flow = new PdfFlow(pdf, Margin);
            flow.Centered(heading, Title, pdf.LineHeight(Title));
            flow.Y += 6;
            flow.Centered(subheading, Small, pdf.LineHeight(Small));
            flow.Y += 14;
        }

        public void Field(string label, string value)
        {
            var height = pdf.LineHeight(Body) * 1.35;
            flow.Room(height);
            flow.Page.Text(flow.Left, flow.Y + height * 0.75, label + "：", Bold);
            flow.Paragraph(value, Body, height, LabelWidth);
        }

        public void Heading(string text) => flow.Paragraph(text, Bold, pdf.LineHeight(Bold) * 1.5);

        public void Paragraph(string text) => flow.Paragraph(text, Body, pdf.LineHeight(Body) * 1.5);

        public void Gap() => flow.Y += pdf.LineHeight(Body);

        public void Signature(string unit, string date)
        {
            foreach (var line in new[] { unit, date }) flow.RightAligned(line, Body, pdf.LineHeight(Body) * 1.5);
        }

        /// <summary>At the foot of the last page, in gray.</summary>
        public void Footer(string text) => flow.Page.Text(flow.Left, flow.Page.Height - Margin / 2, text, Small, Gray);

        public byte[] Save() => pdf.Save();
    }
}
