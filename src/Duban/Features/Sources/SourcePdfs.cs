using System.Globalization;
using Duban.Common;
using Duban.Data;
using Duban.Features.Figures;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Sources;

/// <summary>
/// A source's assignment slip (交办单) as PDF, drawn with the matters' document (<see cref="MatterPdfs.Document"/>) in
/// the same Chinese font: the source, who raised it, and each of its items the reader sees, as
/// <see cref="SourceQueries.GetAsync"/> shows them (a unit holding items: its own, without who raised the source).
/// </summary>
public sealed class SourcePdfs(DubanDb db, SourceQueries queries, UnitDirectory directory, PdfFonts fonts, TimeProvider time)
{
    public async Task<Result<byte[]>> SlipAsync(long id, Actor actor, CancellationToken ct)
    {
        var read = await queries.GetAsync(id, actor, ct);
        if (!read.IsSuccess) return read.Error!;
        if (fonts.Face() is { IsSuccess: false } missing) return missing.Error!;
        var s = read.Value!;
        // The items are those the reader was shown; only their content is read here, which the view leaves out.
        var ids = s.Items.Select(i => i.MatterId).ToList();
        var contents = await db.Matters.AsNoTracking().Where(m => ids.Contains(m.Id)).Select(m => new { m.Id, m.Content }).ToDictionaryAsync(m => m.Id, m => m.Content, ct);
        var units = await directory.AllAsync(ct);
        string Name(string code) => units.TryGetValue(code, out var u) ? u.Name : code;
        var now = time.Now();

        var doc = new MatterPdfs.Document(fonts.Face().Value!, Heading(s.Type), $"{SourceTypes.Label(s.Type).Zh}　{Day(s.Date)}", now);
        doc.Field("标题", s.Title);
        doc.Field("来源类型", SourceTypes.Label(s.Type).Zh);
        doc.Field("日期", Day(s.Date));
        doc.Field("督办单位", s.Owner.Name);
        if (s.Details is { } d)
        {
            foreach (var (label, value) in Raised(s.Type, d, Name)) doc.Field(label, value);
        }
        doc.Gap();
        doc.Heading($"交办事项（{s.Items.Count} 项）");
        if (s.Items.Count == 0) doc.Paragraph("暂无交办事项。");
        for (var n = 0; n < s.Items.Count; n++)
        {
            var item = s.Items[n];
            doc.Gap();
            doc.Heading($"{n + 1}. {item.Title}");
            doc.Field("事项编号", item.Number);
            doc.Field("牵头单位", item.LeadUnit?.Name ?? "—");
            doc.Field("配合单位", item.CoUnits.Count == 0 ? "无" : string.Join("、", item.CoUnits.Select(u => u.Name)));
            doc.Field("完成时限", item.DueDate is { } due ? Day(due) : "—");
            if (contents.GetValueOrDefault(item.MatterId) is { Length: > 0 } content) doc.Field("事项内容", content);
        }
        doc.Gap();
        doc.Paragraph("请牵头单位会同配合单位在完成时限内办结，及时报送办理进展和结果；不属于本单位职责的，应在规定时限内说明理由。");
        doc.Gap();
        doc.Signature(s.Owner.Name, Day(s.Date));
        doc.Footer($"打印时间：{now.ToOffset(Clock.ChinaOffset).ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture)}");
        return doc.Save();
    }

    /// <summary>The slip's title by the source's type.</summary>
    public static string Heading(string type) => type switch
    {
        SourceTypes.Instruction => "领导批示交办单",
        SourceTypes.Meeting => "会议议定事项交办单",
        SourceTypes.Campaign => "专项整治任务交办单",
        SourceTypes.Research => "调研问题交办单",
        _ => "督办交办单",
    };

    /// <summary>Who raised the source, by its type (only to a reader who sees it whole: the view holds details then).</summary>
    private static IEnumerable<(string Label, string Value)> Raised(string type, SourceDetails d, Func<string, string> name)
    {
        switch (type)
        {
            case SourceTypes.Instruction:
                if (d.Leader is { } leader) yield return ("批示领导", d.LeaderLevel is { } level ? $"{leader}（{LevelName(level)}）" : leader);
                if (d.Text is { } text) yield return ("批示内容", text);
                break;
            case SourceTypes.Meeting:
                if (d.MeetingKind is { } kind) yield return ("会议类型", MeetingKindName(kind));
                if (d.Chair is { } chair) yield return ("主持人", chair);
                if (d.Minutes is { } minutes) yield return ("会议纪要", minutes);
                break;
            case SourceTypes.Campaign:
                if (d.LeadUnitCode is { } lead) yield return ("牵头单位", name(lead));
                if (d.UnitCodes is { Count: > 0 } convened) yield return ("参与单位", string.Join("、", convened.Select(name)));
                break;
            case SourceTypes.Research:
                if (d.Theme is { } theme) yield return ("调研主题", theme);
                if (d.Group is { } group) yield return ("调研组", group);
                if (d.Findings is { } findings) yield return ("调研报告", findings);
                break;
        }
    }

    /// <summary>The same words as the pages (SourceText.resx, zh-CN): the slip is printed in Chinese whatever the reader's language.</summary>
    private static string LevelName(string level) => level switch
    {
        "national" => "国家级",
        "province" => "省级",
        "city" => "市级",
        "county" => "县级",
        "town" => "镇级",
        _ => level,
    };

    private static string MeetingKindName(string kind) => kind switch
    {
        "standing_committee" => "常委会会议",
        "executive" => "常务会议",
        "work_conference" => "工作会议",
        "joint" => "联席会议",
        "thematic" => "专题会议",
        "other" => "其他会议",
        _ => kind,
    };

    /// <summary>yyyy-MM-dd as a document writes it: 2026年11月2日.</summary>
    private static string Day(string date) =>
        DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d.ToString("yyyy年M月d日", CultureInfo.InvariantCulture) : date;
}
