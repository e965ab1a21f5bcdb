using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Enterprises;

/// <summary>A firm as the API shows it.</summary>
public sealed record EnterpriseView(string CreditCode, string Name, string CountyCode, string? CountyName, string Industry, string Size, bool Top200);

/// <summary>The register's page: the firms the reader sees, by county, size and the 200强 flag.</summary>
public sealed record EnterpriseList(IReadOnlyList<EnterpriseView> Items, int Total);

/// <summary>A unit on a service team, with its name.</summary>
public sealed record TeamMemberView(string UnitCode, string UnitName, string Role, string? Official);

/// <summary>A visit as listed, with the matters its demands became.</summary>
public sealed record VisitView(long Id, string VisitedOn, string Officials, string UnitCode, string? Notes, DateTimeOffset RecordedAt, IReadOnlyList<long> Demands);

/// <summary>A demand of the firm, as its page lists it (those the reader may see).</summary>
public sealed record FirmDemandView(long Id, string Number, string Title, string Status, string StatusLabel, DateTimeOffset RegisteredAt,
    DateTimeOffset? DueAt, DateTimeOffset? ClosedAt, string? Satisfaction, long? VisitId, int Year);

/// <summary>A firm's page (GET /api/v1/enterprises/{code}): the firm, its team, its visits and its demands across the years.</summary>
public sealed record EnterpriseDetail(EnterpriseView Firm, IReadOnlyList<TeamMemberView> Team, IReadOnlyList<VisitView> Visits,
    IReadOnlyList<FirmDemandView> Demands, bool MayRecordVisit, bool MayKeep);

/// <summary>The list's query string.</summary>
public sealed record EnterpriseFilter(string? County, string? Size, bool? Top200, int? Page, int? PageSize);

/// <summary>The result of an import: how many rows were added and how many updated.</summary>
public sealed record EnterpriseImported(int Added, int Updated);

/// <summary>POST /api/v1/enterprises/{code}/team: the lead unit and its official, and the member units.</summary>
public sealed record TeamRequest(string? LeadUnitCode, string? LeadOfficial, IReadOnlyList<string>? MemberUnitCodes);

/// <summary>
/// The register of firms (企业名录): imported from CSV by the business office, each line checked (the credit code by its
/// check characters), every bad line named and nothing kept then; read by those entitled (<see cref="EnterpriseAccess"/>);
/// and the 200强 firms' service teams (服务专班). Each change one audited change on the system chain.
/// </summary>
public sealed class EnterpriseRegister(DubanDb db, AuditLog audit, TimeProvider time, EnterpriseAccess access, GeoService geo, UnitDirectory units, MatterScope scope)
{
    public const string Imported = "enterprise_import";
    public const string TeamSet = "enterprise_team";
    public const int MaxLines = 20_000;

    /// <summary>The CSV's columns, in order: the header may name them in Chinese or as the API does.</summary>
    public static readonly IReadOnlyList<(string Field, string Header)> Columns =
        [("creditCode", "统一社会信用代码"), ("name", "企业名称"), ("county", "所在区县"), ("industry", "行业"), ("size", "企业规模"), ("top200", "200强")];

    /// <summary>
    /// Imports the register from CSV (UTF-8, a header line first, then one firm a line: credit code, name, county (a six-digit
    /// division or its name), industry, size, 200强 (是/否, true/false, 1/0)). A firm already registered is updated. A bad
    /// line is named (<c>line 3 (creditCode): …</c>) with every other bad line, and nothing is kept.
    /// </summary>
    public async Task<Result<EnterpriseImported>> ImportCsvAsync(string csv, Actor actor, CancellationToken ct)
    {
        if (!access.Keeps(actor)) return Error.Forbidden("只有营商部门可以维护企业名录 / only the business office keeps the register of firms");
        var lines = Csv.Parse(csv);
        if (lines.Count == 0) return Error.Validation("file is empty: a header line and one firm a line / 文件为空");
        if (lines.Count - 1 > MaxLines) return Error.Validation($"file has more than {MaxLines} lines / 一次最多导入{MaxLines}行");
        var counties = geo.Gazetteer.HomeCounties();
        var problems = new List<string>();
        var firms = new Dictionary<string, (Enterprise Firm, int Line)>(StringComparer.Ordinal);
        var now = time.Now();
        foreach (var (lineNumber, cells) in lines.Skip(1))
        {
            if (cells.All(string.IsNullOrWhiteSpace)) continue;
            string Cell(int i) => i < cells.Count ? cells[i].Trim() : "";
            void Bad(string field, string text) => problems.Add($"line {lineNumber} ({field}): {text}");
            var code = CreditCode.Normalize(Cell(0));
            if (CreditCode.Problem(code) is { } codeProblem) Bad("creditCode", codeProblem);
            else if (firms.TryGetValue(code!, out var earlier)) Bad("creditCode", $"重复，已见于第{earlier.Line}行 / repeats line {earlier.Line}");
            var name = Cell(1);
            if (name.Length == 0 || name.Length > 200) Bad("name", "企业名称必填，不超过200字 / name is required, at most 200 characters");
            var countyText = Cell(2);
            var county = counties.FirstOrDefault(c => c.Code == countyText || c.Name == countyText).Code;
            if (county is null) Bad("county", $"「{countyText}」不是本市的区县 / county must be one of the city's counties: {string.Join(", ", counties.Select(c => c.Code))}");
            var industry = Word(Cell(3), EnterpriseVocabulary.Industries);
            if (industry is null) Bad("industry", $"industry must be one of {string.Join(", ", EnterpriseVocabulary.Industries)} / 行业不存在");
            var size = Word(Cell(4), EnterpriseVocabulary.Sizes);
            if (size is null) Bad("size", "size must be large, sme or micro (大型、中小型、微型) / 企业规模不存在");
            bool? top200 = Cell(5).ToUpperInvariant() switch
            {
                "是" or "TRUE" or "1" or "Y" or "YES" => true,
                "否" or "FALSE" or "0" or "N" or "NO" or "" => false,
                _ => null,
            };
            if (top200 is null) Bad("top200", "top200 must be 是 or 否 (true/false) / 200强应填是或否");
            if (problems.Count > 0 || code is null) continue;
            firms[code] = (new Enterprise { CreditCode = code, Name = name, CountyCode = county!, Industry = industry!, Size = size!, Top200 = top200!.Value, UpdatedAt = now }, lineNumber);
        }
        if (problems.Count > 0)
            return Error.Validation(string.Join("; ", problems.Take(50)) + (problems.Count > 50 ? $"; … {problems.Count - 50} more / 另有{problems.Count - 50}行错误" : ""));
        if (firms.Count == 0) return Error.Validation("file has no firm: a header line and one firm a line / 文件中没有企业");
        return await new AuditedChange(db, audit).RunAsync<EnterpriseImported>(async () =>
        {
            var codes = firms.Keys.ToList();
            var existing = new Dictionary<string, Enterprise>(StringComparer.Ordinal);
            foreach (var chunk in codes.Chunk(500))
            {
                foreach (var e in await db.Set<Enterprise>().Where(e => chunk.Contains(e.CreditCode)).ToListAsync(ct)) existing[e.CreditCode] = e;
            }
            var (added, updated) = (0, 0);
            foreach (var (firm, _) in firms.Values)
            {
                if (existing.TryGetValue(firm.CreditCode, out var row))
                {
                    (row.Name, row.CountyCode, row.Industry, row.Size, row.Top200, row.UpdatedAt) = (firm.Name, firm.CountyCode, firm.Industry, firm.Size, firm.Top200, now);
                    updated++;
                }
                else
                {
                    db.Set<Enterprise>().Add(firm);
                    added++;
                }
            }
            var data = new JsonObject { ["added"] = added, ["updated"] = updated, ["codes"] = new JsonArray([.. codes.Take(1000).Select(c => (JsonNode)c)]) };
            return new ChangeMade<EnterpriseImported>(new EnterpriseImported(added, updated), [new AuditEvent(actor, Imported, data)], []);
        }, ct);
    }

    /// <summary>An API word, or the Chinese word for it (<see cref="EnterpriseVocabulary.ChineseWords"/>), or null.</summary>
    private static string? Word(string text, IReadOnlyList<string> words)
    {
        var lower = text.ToLowerInvariant();
        if (words.Contains(lower)) return lower;
        return EnterpriseVocabulary.ChineseWords.TryGetValue(text, out var w) && words.Contains(w) ? w : null;
    }

    /// <summary>The firms the reader sees, ordered by credit code, filtered by county, size and the 200强 flag; paged (up to 100).</summary>
    public async Task<Result<EnterpriseList>> ListAsync(EnterpriseFilter f, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(f);
        var page = f.Page ?? 1;
        var size = f.PageSize ?? 50;
        if (page < 1) return Error.Validation("page must be at least 1");
        if (size is < 1 or > 100) return Error.Validation("pageSize must be between 1 and 100");
        if (Text.OrNull(f.Size) is { } s && !EnterpriseVocabulary.Sizes.Contains(s)) return Error.Validation("size must be large, sme or micro");
        var county = Text.OrNull(f.County);
        if (county is not null && (county.Length != 6 || !county.All(char.IsAsciiDigit))) return Error.Validation("county must be a six-digit division code");
        var q = access.Visible(db, actor).AsNoTracking();
        if (county is not null) q = q.Where(e => e.CountyCode == county);
        if (Text.OrNull(f.Size) is { } sz) q = q.Where(e => e.Size == sz);
        if (f.Top200 is { } top) q = q.Where(e => e.Top200 == top);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(e => e.CreditCode).Skip((page - 1) * size).Take(size).ToListAsync(ct);
        return new EnterpriseList([.. rows.Select(View)], total);
    }

    public EnterpriseView View(Enterprise e) =>
        new(e.CreditCode, e.Name, e.CountyCode, geo.Gazetteer.HomeCounties().FirstOrDefault(c => c.Code == e.CountyCode).Name, e.Industry, e.Size, e.Top200);

    /// <summary>The firm, if the reader may see it (404 otherwise, as for a firm not registered; 400 for a code that is no code).</summary>
    public async Task<Result<Enterprise>> FindAsync(string? code, Actor actor, CancellationToken ct)
    {
        var normalized = CreditCode.Normalize(code);
        if (CreditCode.Problem(normalized) is { } problem) return Error.Validation("creditCode: " + problem);
        var firm = await access.Visible(db, actor).AsNoTracking().FirstOrDefaultAsync(e => e.CreditCode == normalized, ct);
        return firm is null ? Error.NotFound(EnterpriseAccess.NotFoundText) : firm;
    }

    /// <summary>A firm's page: the firm, its team, its visits and the demands the reader may see, across the years.</summary>
    public async Task<Result<EnterpriseDetail>> GetAsync(string? code, Actor actor, CancellationToken ct)
    {
        var found = await FindAsync(code, actor, ct);
        if (!found.IsSuccess) return found.Error!;
        var firm = found.Value!;
        var team = await TeamAsync(firm.CreditCode, ct);
        var visits = await VisitsAsync(firm.CreditCode, ct);
        // The firm's demands read by ix_enterprise_demands_firm, each still under the matters' own rule of who sees what.
        var visible = scope.Visible(db.Matters.AsNoTracking(), db, actor);
        var demands = await (from d in db.Set<EnterpriseDemand>().AsNoTracking()
                             where d.CreditCode == firm.CreditCode
                             join m in visible on d.MatterId equals m.Id
                             orderby d.RegisteredAt descending
                             select new { m.Id, m.Number, m.Title, m.Status, m.RegisteredAt, m.DueAt, m.ClosedAt, m.FeedbackSatisfaction, d.VisitId })
            .Take(500).ToListAsync(ct);
        var view = demands.Select(d => new FirmDemandView(d.Id, d.Number, d.Title, d.Status, Status.Chinese(d.Status), d.RegisteredAt, d.DueAt, d.ClosedAt,
            d.FeedbackSatisfaction, d.VisitId, Clock.ChinaDate(d.RegisteredAt).Year)).ToList();
        return new EnterpriseDetail(View(firm), team, visits, view, MayRecordVisit: actor.Id is not null, MayKeep: access.Keeps(actor));
    }

    public async Task<IReadOnlyList<TeamMemberView>> TeamAsync(string code, CancellationToken ct)
    {
        var rows = await db.Set<EnterpriseTeamMember>().AsNoTracking().Where(t => t.CreditCode == code).ToListAsync(ct);
        var list = new List<TeamMemberView>();
        foreach (var r in rows.OrderBy(r => r.Role == "lead" ? 0 : 1).ThenBy(r => r.UnitCode, StringComparer.Ordinal))
            list.Add(new TeamMemberView(r.UnitCode, (await units.FindAsync(r.UnitCode, ct))?.Name ?? r.UnitCode, r.Role, r.Official));
        return list;
    }

    public async Task<IReadOnlyList<VisitView>> VisitsAsync(string code, CancellationToken ct)
    {
        var visits = await db.Set<EnterpriseVisit>().AsNoTracking().Where(v => v.CreditCode == code)
            .OrderByDescending(v => v.VisitedOn).ThenByDescending(v => v.Id).Take(500).ToListAsync(ct);
        var ids = visits.Select(v => v.Id).ToList();
        var demands = await db.Set<EnterpriseDemand>().AsNoTracking().Where(d => d.VisitId != null && ids.Contains(d.VisitId.Value))
            .Select(d => new { d.VisitId, d.MatterId }).ToListAsync(ct);
        return [.. visits.Select(v => new VisitView(v.Id, v.VisitedOn, v.Officials, v.UnitCode, v.Notes, v.RecordedAt,
            [.. demands.Where(d => d.VisitId == v.Id).Select(d => d.MatterId).Order()]))];
    }

    /// <summary>
    /// Sets a 200强 firm's service team (服务专班): the lead unit with its official (牵头领导) and the member units, replacing the
    /// team before. The business office only (403); a firm off the 200强 list is a 409 <c>not_top200</c>; an unknown unit a
    /// 400 naming it. The team's units then see the firm and its demands, and hear of new ones.
    /// </summary>
    public Task<Result<IReadOnlyList<TeamMemberView>>> SetTeamAsync(string? code, TeamRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<IReadOnlyList<TeamMemberView>>(async () =>
        {
            ArgumentNullException.ThrowIfNull(req);
            var found = await FindAsync(code, actor, ct);
            if (!found.IsSuccess) return found.Error!;
            if (!access.Keeps(actor)) return Error.Forbidden("只有营商部门可以组建服务专班 / only the business office sets a service team");
            var firm = found.Value!;
            if (!firm.Top200) return Error.Conflict("not_top200", "服务专班只为200强企业组建 / a service team serves a 200强 firm only");
            if (Text.OrNull(req.LeadUnitCode) is not { } lead || await units.FindAsync(lead, ct) is null)
                return Error.Validation("leadUnitCode must be a known unit / 请选择牵头单位");
            if (Text.OrNull(req.LeadOfficial) is not { } official || official.Length > 100)
                return Error.Validation("leadOfficial is required, at most 100 characters / 请填写牵头领导");
            var members = new List<string>();
            var given = req.MemberUnitCodes ?? [];
            for (var i = 0; i < given.Count; i++)
            {
                if (Text.OrNull(given[i]) is not { } m || await units.FindAsync(m, ct) is null)
                    return Error.Validation($"memberUnitCodes[{i}] must be a known unit / 成员单位不存在");
                if (m != lead && !members.Contains(m)) members.Add(m);
            }
            var before = await db.Set<EnterpriseTeamMember>().Where(t => t.CreditCode == firm.CreditCode).ToListAsync(ct);
            db.Set<EnterpriseTeamMember>().RemoveRange(before);
            await db.SaveChangesAsync(ct);
            db.Set<EnterpriseTeamMember>().Add(new EnterpriseTeamMember { CreditCode = firm.CreditCode, UnitCode = lead, Role = "lead", Official = official });
            foreach (var m in members) db.Set<EnterpriseTeamMember>().Add(new EnterpriseTeamMember { CreditCode = firm.CreditCode, UnitCode = m, Role = "member" });
            var data = new JsonObject
            {
                ["creditCode"] = firm.CreditCode,
                ["leadUnitCode"] = lead,
                ["leadOfficial"] = official,
                ["members"] = new JsonArray([.. members.Select(m => (JsonNode)m)]),
                ["before"] = new JsonArray([.. before.Select(b => (JsonNode)b.UnitCode)]),
            };
            await db.SaveChangesAsync(ct);
            return new ChangeMade<IReadOnlyList<TeamMemberView>>(await TeamAsync(firm.CreditCode, ct), [new AuditEvent(actor, TeamSet, data)], []);
        }, ct);
}

/// <summary>A small CSV reader (RFC 4180: quoted fields, doubled quotes, commas and line breaks inside quotes), lines numbered from 1.</summary>
public static class Csv
{
    public static IReadOnlyList<(int Line, List<string> Cells)> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rows = new List<(int, List<string>)>();
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var (line, rowLine, quoted) = (1, 1, false);
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else { if (c == '\n') line++; cell.Append(c); }
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case ',': cells.Add(cell.ToString()); cell.Clear(); break;
                case '\r': break;
                case '\n':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    if (!(cells.Count == 1 && cells[0].Length == 0)) rows.Add((rowLine, cells));
                    cells = [];
                    line++;
                    rowLine = line;
                    break;
                default: cell.Append(c); break;
            }
        }
        cells.Add(cell.ToString());
        if (!(cells.Count == 1 && cells[0].Length == 0)) rows.Add((rowLine, cells));
        return rows;
    }
}
