using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Geo;
using Duban.Features.Sources;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Projects;

/// <summary>A milestone as checked: its due date given, or worked back from the completion date; the day it was reached for a project recorded under way.</summary>
public sealed record MilestoneInput(string Title, DateOnly DueDate, int Weight, DateOnly? DoneOn = null);

/// <summary>A project's register fields as checked (amounts in fen).</summary>
public sealed record ProjectFields(string Level, string Industry, string TerritoryCode, string? Leader, int Year, long TotalFen, long PlannedFen,
    DateOnly StartsOn, DateOnly EndsOn, IReadOnlyList<MilestoneInput> Milestones);

/// <summary>
/// The <c>project</c> source type (Features/Sources' registration point): reads and checks the register's fields of
/// <c>POST /api/v1/sources</c> (level, industry, territory, leader, year, totalInvestment, plannedThisYear, startsOn,
/// endsOn, milestones), each refusal a 400 naming the field, and records the project, its milestones and its count
/// in the figures' rollup in the source's own audited change.
/// </summary>
public sealed class ProjectSourceType(DubanDb db, UnitDirectory units, GeoService geo, TimeProvider time) : ISourceType
{
    public string Type => ProjectVocabulary.Type;

    public const int MaxMilestones = 50;

    /// <summary>10^13 yuan: more than any project; keeps fen well inside a 64-bit integer.</summary>
    public const decimal MaxYuan = 10_000_000_000_000m;

    public async Task<Result<SourceTypePart>> CheckAsync(CreateSourceRequest request, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fields = await ReadAsync(request.Extra ?? [], request.OwnerUnitCode!, ct);
        if (!fields.IsSuccess) return fields.Error!;
        var f = fields.Value!;
        return new SourceTypePart(Describe(f), (source, token) => RecordAsync(source, f, token));
    }

    /// <summary>The project's rows for the new source, and its count and plan in the rollup of its year and level.</summary>
    public async Task RecordAsync(Source source, ProjectFields f, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(f);
        db.Set<Project>().Add(new Project
        {
            SourceId = source.Id,
            Level = f.Level,
            Industry = f.Industry,
            TerritoryCode = f.TerritoryCode,
            Leader = f.Leader,
            Year = f.Year,
            TotalFen = f.TotalFen,
            PlannedFen = f.PlannedFen,
            StartsOn = Day(f.StartsOn),
            EndsOn = Day(f.EndsOn),
            CountyCode = CountyOf(f.TerritoryCode),
            NextDue = f.Milestones.Where(m => m.DoneOn is null).Select(m => Day(m.DueDate)).Order(StringComparer.Ordinal).FirstOrDefault(),
        });
        for (var i = 0; i < f.Milestones.Count; i++)
        {
            var m = f.Milestones[i];
            db.Set<ProjectMilestone>().Add(new ProjectMilestone { ProjectId = source.Id, Seq = i + 1, Title = m.Title, DueDate = Day(m.DueDate), Weight = m.Weight, DoneOn = m.DoneOn is { } done ? Day(done) : null });
        }
        var figure = await FigureAsync(db, f.Year, f.Level, f.Industry, ct);
        figure.Count++;
        figure.PlannedFen += f.PlannedFen;
        var area = await AreaFigureAsync(db, f.Year, CountyOf(f.TerritoryCode), ct);
        area.Count++;
        area.PlannedFen += f.PlannedFen;
    }

    /// <summary>The rollup's row of a year, level and industry (tracked; made when missing). Writers are one after the other under the audit lock.</summary>
    internal static Task<ProjectFigure> FigureAsync(DubanDb db, int year, string level, string industry, CancellationToken ct) =>
        RollupRowAsync(db, [year, level, industry], () => new ProjectFigure { Year = year, Level = level, Industry = industry }, ct);

    /// <summary>The county-level division a territory lies in: its first six digits.</summary>
    internal static string CountyOf(string territory) => territory.Length > 6 ? territory[..6] : territory;

    /// <summary>The county rollup's row of a year (tracked; made when missing).</summary>
    internal static Task<ProjectAreaFigure> AreaFigureAsync(DubanDb db, int year, string county, CancellationToken ct) =>
        RollupRowAsync(db, [year, county], () => new ProjectAreaFigure { Year = year, CountyCode = county }, ct);

    /// <summary>The month rollup's row (tracked; made when missing).</summary>
    internal static Task<ProjectMonthFigure> MonthFigureAsync(DubanDb db, int year, string month, CancellationToken ct) =>
        RollupRowAsync(db, [year, month], () => new ProjectMonthFigure { Year = year, Month = month }, ct);

    /// <summary>A rollup's row by its key: found (among the change's new rows too, as Find looks there first) or added.</summary>
    private static async Task<T> RollupRowAsync<T>(DubanDb db, object[] key, Func<T> make, CancellationToken ct) where T : class
    {
        var row = await db.Set<T>().FindAsync(key, ct);
        if (row is null)
        {
            row = make();
            db.Set<T>().Add(row);
        }
        return row;
    }

    public async Task<Result<ProjectFields>> ReadAsync(IReadOnlyDictionary<string, JsonElement> extra, string ownerUnitCode, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var level = Str(extra, "level");
        if (level is null || !ProjectVocabulary.Levels.Contains(level))
            return Error.Validation($"level must be one of {string.Join(", ", ProjectVocabulary.Levels)} / 项目级别应为省重点、市重点或县区重点");
        var industry = Str(extra, "industry");
        if (industry is null || !ProjectVocabulary.Industries.Contains(industry))
            return Error.Validation($"industry must be one of {string.Join(", ", ProjectVocabulary.Industries)} / 请选择项目行业");
        var leader = Str(extra, "leader");
        if (leader is { Length: > 100 } || Text.HasControlCharacters(leader)) return Error.Validation("leader is at most 100 characters / 责任领导不超过100字");

        string territory;
        switch (Str(extra, "territory"))
        {
            case null:
                territory = (await units.FindAsync(ownerUnitCode, ct))!.TerritoryCode;
                break;
            case { } code when code.All(char.IsAsciiDigit):
                if (geo.Gazetteer.Divisions.Find(code) <= 0) return Error.Validation($"territory: {code} is not a known division / 行政区划代码 {code} 不存在");
                territory = code;
                break;
            case { Length: <= 200 } place:
                if (geo.Resolve(place).Code is not { } found) return Error.Validation("territory names no known place / 未能从项目地点识别出行政区划");
                territory = found;
                break;
            default:
                return Error.Validation("territory is at most 200 characters / 项目地点不超过200字");
        }

        var today = Clock.ChinaDate(time.Now());
        int year = today.Year;
        if (extra.TryGetValue("year", out var y) && y.ValueKind != JsonValueKind.Null)
        {
            if (y.ValueKind != JsonValueKind.Number || !y.TryGetInt32(out year) || year < 2000 || year > today.Year + 1)
                return Error.Validation($"year must be a year from 2000 to {today.Year + 1} / 计划年度不正确");
        }
        var total = Amount(extra, "totalInvestment");
        if (!total.IsSuccess) return total.Error!;
        var planned = Amount(extra, "plannedThisYear");
        if (!planned.IsSuccess) return planned.Error!;
        if (planned.Value > total.Value) return Error.Validation("plannedThisYear exceeds totalInvestment / 年度计划投资不能超过总投资");
        if (ReadDay(extra, "startsOn") is not { } startsOn) return Error.Validation("startsOn is required, yyyy-MM-dd / 请填写开工日期");
        if (ReadDay(extra, "endsOn") is not { } endsOn) return Error.Validation("endsOn is required, yyyy-MM-dd / 请填写竣工日期");
        if (endsOn < startsOn) return Error.Validation("endsOn is before startsOn / 竣工日期不能早于开工日期");

        var milestones = Milestones(extra, startsOn, endsOn, today);
        if (!milestones.IsSuccess) return milestones.Error!;
        return new ProjectFields(level, industry, territory, leader, year, total.Value, planned.Value, startsOn, endsOn, milestones.Value!);
    }

    /// <summary>
    /// 倒排工期: a milestone with no due date is worked back from the completion date, placed by the weights: the share of
    /// the project's span that the milestones up to it weigh (the last one falls on the completion date).
    /// </summary>
    private static Result<IReadOnlyList<MilestoneInput>> Milestones(IReadOnlyDictionary<string, JsonElement> extra, DateOnly startsOn, DateOnly endsOn, DateOnly today)
    {
        if (!extra.TryGetValue("milestones", out var given) || given.ValueKind == JsonValueKind.Null) return Array.Empty<MilestoneInput>();
        if (given.ValueKind != JsonValueKind.Array) return Error.Validation("milestones must be a list / 节点应为列表");
        if (given.GetArrayLength() > MaxMilestones) return Error.Validation($"milestones: at most {MaxMilestones} / 节点不超过{MaxMilestones}个");
        var read = new List<(string Title, DateOnly? Due, int Weight, DateOnly? Done)>();
        var i = 0;
        foreach (var m in given.EnumerateArray())
        {
            var f = $"milestones[{i}].";
            if (m.ValueKind != JsonValueKind.Object) return Error.Validation($"milestones[{i}] must be an object / 节点格式不正确");
            var props = m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase);
            var title = Str(props, "title");
            if (title is null || title.Length > 200 || Text.HasControlCharacters(title)) return Error.Validation($"{f}title is required, at most 200 characters / 请填写节点名称");
            DateOnly? due = null;
            if (props.TryGetValue("dueDate", out var d) && d.ValueKind != JsonValueKind.Null)
            {
                if (ReadDay(props, "dueDate") is not { } day) return Error.Validation($"{f}dueDate must be a date, yyyy-MM-dd / 节点期限格式应为 yyyy-MM-dd");
                if (day < startsOn || day > endsOn) return Error.Validation($"{f}dueDate lies outside startsOn to endsOn / 节点期限应在开工至竣工日期之间");
                due = day;
            }
            var weight = 1;
            if (props.TryGetValue("weight", out var w) && w.ValueKind != JsonValueKind.Null && (w.ValueKind != JsonValueKind.Number || !w.TryGetInt32(out weight) || weight is < 1 or > 100))
                return Error.Validation($"{f}weight is 1 to 100 / 权重为1至100");
            // A project recorded under way (a ledger imported mid-course) brings the milestones it has reached: not after today.
            DateOnly? done = null;
            if (props.TryGetValue("doneOn", out var r) && r.ValueKind != JsonValueKind.Null)
            {
                if (ReadDay(props, "doneOn") is not { } day || day < startsOn || day > today)
                    return Error.Validation($"{f}doneOn must be a date from startsOn to today, yyyy-MM-dd / 节点完成日期应在开工日期至今天之间");
                done = day;
            }
            read.Add((title, due, weight, done));
            i++;
        }
        var totalWeight = read.Sum(r => r.Weight);
        var span = endsOn.DayNumber - startsOn.DayNumber;
        var cumulative = 0;
        var list = new List<MilestoneInput>();
        foreach (var (title, due, weight, done) in read)
        {
            cumulative += weight;
            list.Add(new MilestoneInput(title, due ?? startsOn.AddDays((int)Math.Round((double)span * cumulative / totalWeight, MidpointRounding.AwayFromZero)), weight, done));
        }
        return list;
    }

    /// <summary>An amount in yuan (a JSON number, 0 to 10^13, at most two decimals) as fen.</summary>
    internal static Result<long> Amount(IReadOnlyDictionary<string, JsonElement> extra, string field)
    {
        if (!extra.TryGetValue(field, out var v) || v.ValueKind == JsonValueKind.Null) return Error.Validation($"{field} is required, in yuan / 请填写{FieldName(field)}（元）");
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out var yuan)) return Error.Validation($"{field} must be a number of yuan / {FieldName(field)}应为数字（元）");
        return Fen(yuan, field);
    }

    internal static Result<long> Fen(decimal yuan, string field)
    {
        if (yuan < 0) return Error.Validation($"{field} may not be negative / {FieldName(field)}不能为负数");
        if (yuan > MaxYuan) return Error.Validation($"{field} is at most 10^13 yuan / {FieldName(field)}过大");
        var fen = yuan * 100;
        if (fen != decimal.Truncate(fen)) return Error.Validation($"{field} has at most two decimals (fen) / {FieldName(field)}最多精确到分");
        return (long)fen;
    }

    private static string FieldName(string field) => field switch
    {
        "totalInvestment" => "总投资",
        "plannedThisYear" => "年度计划投资",
        _ => "金额",
    };

    private static string? Str(IReadOnlyDictionary<string, JsonElement> extra, string field) =>
        extra.TryGetValue(field, out var v) && v.ValueKind == JsonValueKind.String ? Text.OrNull(v.GetString()) : null;

    private static DateOnly? ReadDay(IReadOnlyDictionary<string, JsonElement> extra, string field) =>
        Str(extra, field) is { } s && DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year is > 1900 and < 9999 ? d : null;

    internal static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static decimal Yuan(long fen) => fen / 100m;

    private static JsonObject Describe(ProjectFields f) => new()
    {
        ["level"] = f.Level,
        ["industry"] = f.Industry,
        ["territory"] = f.TerritoryCode,
        ["leader"] = f.Leader,
        ["year"] = f.Year,
        ["totalFen"] = f.TotalFen,
        ["plannedFen"] = f.PlannedFen,
        ["startsOn"] = Day(f.StartsOn),
        ["endsOn"] = Day(f.EndsOn),
        ["milestones"] = new JsonArray([.. f.Milestones.Select(m => (JsonNode)new JsonObject
        {
            ["title"] = m.Title, ["dueDate"] = Day(m.DueDate), ["weight"] = m.Weight, ["doneOn"] = m.DoneOn is { } done ? Day(done) : null,
        })]),
    };
}
