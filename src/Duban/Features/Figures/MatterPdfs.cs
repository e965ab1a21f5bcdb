using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Calendar;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Duban.Features.Figures;

/// <summary>
/// The printed documents of a matter, as PDF with a Chinese font: the assignment slip (交办单) a
/// unit receives with a dispatch, and the supervision notice (督办通知) a supervisor issues to the
/// lead unit. Neither ever shows the raiser (name, phone, or that a report was made by someone known).
/// </summary>
public sealed class MatterPdfs(DubanDb db, MatterScope scope, UnitDirectory directory, GeoService geo, WorkCalendar calendar, PdfFonts fonts,
    TimeProvider time, IConfiguration configuration)
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
        // Who dispatched: the dispatch (or the split that made a sub-task) at the lead's assignment.
        var by = await db.Events.AsNoTracking()
            .Where(e => e.MatterId == m.Id && e.At <= lead.AssignedAt && (e.Action == "dispatch" || e.Action == "split" || e.Action == "register"))
            .OrderByDescending(e => e.Seq).Select(e => new { e.ActorUnitCode, e.ActorName }).FirstOrDefaultAsync(ct);
        var co = m.Assignments.Where(a => a.Active && a.Role != "lead").Select(a => Name(a.UnitCode)).ToList();
        var place = MatterQueries.Territory(geo.Gazetteer.Divisions, m.TerritoryCode) is { Path.Count: > 0 } t ? string.Join(" ", t.Path) : "—";

        using var doc = new Document(fonts.Face().Value!, "交办单", $"编号：{m.Number}");
        doc.Field("事项编号", m.Number);
        doc.Field("标题", m.Title);
        doc.Field("类型", KindName(m.Kind) + (m.Urgency == "normal" ? "" : $"（{UrgencyName(m.Urgency)}）"));
        doc.Field("类别", m.Category ?? "—");
        doc.Field("发生地", place);
        doc.Field("主办单位", Name(lead.UnitCode));
        doc.Field("协办单位", co.Count == 0 ? "无" : string.Join("、", co));
        doc.Field("交办时间", When(lead.AssignedAt));
        doc.Field("签收时限", lead.SignDueAt is { } sign ? When(sign) : "—");
        doc.Field("办理时限", m.DueAt is { } due ? When(due) : "—");
        doc.Field("时限规则", m.TimePolicy ?? "—");
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

        using var doc = new Document(fonts.Face().Value!, "督办通知", $"{m.Number}　{today:yyyy年M月d日}");
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

    public static string KindName(string kind) => kind switch
    {
        "complaint" => "投诉",
        "request" => "求助",
        "report" => "举报",
        "petition" => "信访",
        "enterprise_demand" => "企业诉求",
        "suggestion" => "建议",
        "task" => "督办任务",
        "deputy_suggestion" => "人大代表建议",
        "cppcc_proposal" => "政协提案",
        _ => kind,
    };

    private static string UrgencyName(string urgency) => urgency switch
    {
        "urgent" => "紧急",
        "emergency" => "特急",
        _ => urgency,
    };

    /// <summary>An A4 document written top to bottom: a title, fields (label: value), paragraphs, wrapped by character.</summary>
    private sealed class Document : IDisposable
    {
        private const double Margin = 56;
        private readonly PdfDocument pdf = new();
        private readonly XFont title, body, bold, small;
        private PdfPage page = null!;
        private XGraphics g = null!;
        private double y;

        public Document(PdfFace face, string heading, string subheading)
        {
            pdf.Info.Title = heading;
            pdf.Info.Creator = "Duban 督办";
            title = new XFont(face.Key, 22);
            body = new XFont(face.Key, 11);
            bold = new XFont(face.Key, 12);
            small = new XFont(face.Key, 9);
            NewPage();
            Centered(heading, title);
            y += 6;
            Centered(subheading, small);
            y += 14;
        }

        private double Width => page.Width.Point - 2 * Margin;

        private void NewPage()
        {
            g?.Dispose();
            page = pdf.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            g = XGraphics.FromPdfPage(page);
            y = Margin;
        }

        private void Room(double height)
        {
            if (y + height > page.Height.Point - Margin) NewPage();
        }

        private void Centered(string text, XFont font)
        {
            var size = g.MeasureString(text, font);
            Room(size.Height);
            g.DrawString(text, font, XBrushes.Black, new XPoint(Margin + (Width - size.Width) / 2, y + size.Height * 0.8));
            y += size.Height;
        }

        public void Field(string label, string value)
        {
            const double labelWidth = 80;
            var lines = Wrap(value, body, Width - labelWidth);
            var height = body.GetHeight() * 1.35;
            Room(height);
            g.DrawString(label + "：", bold, XBrushes.Black, new XPoint(Margin, y + height * 0.75));
            foreach (var line in lines)
            {
                Room(height);
                g.DrawString(line, body, XBrushes.Black, new XPoint(Margin + labelWidth, y + height * 0.75));
                y += height;
            }
        }

        public void Heading(string text) => Paragraph(text, bold);

        public void Paragraph(string text) => Paragraph(text, body);

        private void Paragraph(string text, XFont font)
        {
            var height = font.GetHeight() * 1.5;
            foreach (var part in text.ReplaceLineEndings("\n").Split('\n'))
            {
                foreach (var line in Wrap(part, font, Width))
                {
                    Room(height);
                    g.DrawString(line, font, XBrushes.Black, new XPoint(Margin, y + height * 0.75));
                    y += height;
                }
            }
        }

        public void Gap() => y += body.GetHeight();

        public void Signature(string unit, string date)
        {
            var height = body.GetHeight() * 1.5;
            foreach (var line in new[] { unit, date })
            {
                Room(height);
                var w = g.MeasureString(line, body).Width;
                g.DrawString(line, body, XBrushes.Black, new XPoint(Margin + Width - w, y + height * 0.75));
                y += height;
            }
        }

        public void Footer(string text) =>
            g.DrawString(text, small, XBrushes.Gray, new XPoint(Margin, page.Height.Point - Margin / 2));

        /// <summary>Chinese wraps between any two characters; a line is cut where the next character would not fit.</summary>
        private List<string> Wrap(string text, XFont font, double width)
        {
            var lines = new List<string>();
            var line = new System.Text.StringBuilder();
            foreach (var rune in text.EnumerateRunes())
            {
                var next = line + rune.ToString();
                if (line.Length > 0 && g.MeasureString(next, font).Width > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }
                line.Append(rune.ToString());
            }
            if (line.Length > 0 || lines.Count == 0) lines.Add(line.ToString());
            return lines;
        }

        public byte[] Save()
        {
            g.Dispose();
            using var stream = new MemoryStream();
            pdf.Save(stream, closeStream: false);
            return stream.ToArray();
        }

        public void Dispose()
        {
            g.Dispose();
            pdf.Dispose();
        }
    }
}
