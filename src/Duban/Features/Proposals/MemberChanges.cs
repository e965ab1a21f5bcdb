using System.Globalization;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Auth;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Proposals;

public sealed record NewAccount(string Username, string Password);

public sealed record MembersImported(string Body, int Added, int Updated, IReadOnlyList<NewAccount> Accounts);

/// <summary>POST /api/v1/members/{id}/activities: a member's part in the body's work, as the office records it.</summary>
public sealed record RecordActivityRequest(string? Kind, string? Title, string? Day);

public sealed record ActivityRecorded(long Id, long MemberId, int Year, string Kind);

/// <summary>
/// The registers kept by the offices: the CSV import (members added or updated by body, term and name, an account made
/// for a new username with a password shown once) and the members' recorded activities. Each one audited change.
/// </summary>
public sealed class MemberChanges(DubanDb db, AuditLog audit, TimeProvider time, ProposalAccess access)
{
    public const string Imported = "members-import";
    public const string ActivityRecordedEvent = "member-activity";
    public const int MaxRows = 5_000;

    /// <summary>
    /// Activity kinds a duty may count (ProposalOptions.DefaultDuties names them). Social-opinion items and consultation
    /// activities are records of their own (Opinions/): they are not typed in as activities.
    /// </summary>
    public static readonly IReadOnlySet<string> ActivityKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "plenary", "standing", "committee", "speech", "lecture", "supervision", "inspection", "study", "constituency",
    };

    private sealed record Row(string? Body, string? Name, string? Delegation, string? Sector, string? Term, string? Username);

    /// <summary>
    /// The CSV has a header: <c>name</c>, <c>term</c>, <c>delegation</c> (deputies) or <c>sector</c> (members),
    /// and optionally <c>body</c> (else <paramref name="body"/>) and <c>username</c>.
    /// </summary>
    public Task<Result<MembersImported>> ImportAsync(string? body, string csv, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<MembersImported>(async () =>
        {
            var b = Text.OrNull(body);
            if (!Bodies.IsBody(b)) return Error.Validation("body must be npc or cppcc (?body=) / 请选择人大或政协");
            if (!access.IsOffice(actor, b!) && !actor.Has(Roles.Admin))
                return Error.Forbidden("代表、委员名册由本机构的工作机构维护 / the register is kept by its office");
            var parsed = Parse(csv);
            if (!parsed.IsSuccess) return parsed.Error!;
            var rows = parsed.Value!;
            if (rows.Count == 0) return Error.Validation("csv: no rows / 没有数据行");
            if (rows.Count > MaxRows) return Error.Validation($"csv: at most {MaxRows} rows");
            var now = time.Now();
            var existing = await db.Set<Member>().Where(m => m.Body == b).ToListAsync(ct);
            var hash = (string?)null;
            var password = (string?)null;
            var accounts = new List<NewAccount>();
            var seen = new HashSet<(string, string)>();
            int added = 0, updated = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                var line = $"csv row {i + 2}";
                if (Text.OrNull(r.Body) is { } rb && rb != b) return Error.Validation($"{line}: body {rb} is not {b}");
                var name = Text.OrNull(r.Name);
                var term = Text.OrNull(r.Term);
                if (name is not { Length: <= 50 }) return Error.Validation($"{line}: name is required, at most 50 characters / 请填写姓名");
                if (term is not { Length: <= 20 }) return Error.Validation($"{line}: term is required, at most 20 characters / 请填写届次");
                if (Text.HasControlCharacters(name, term, r.Delegation, r.Sector, r.Username)) return Error.Validation($"{line}: control characters");
                if (!seen.Add((term, name))) return Error.Validation($"{line}: {name} ({term}) is listed twice / 重复");
                var group = b == Bodies.Npc ? Text.OrNull(r.Delegation) : Text.OrNull(r.Sector);
                if (group is { Length: > 100 }) return Error.Validation($"{line}: {(b == Bodies.Npc ? "delegation" : "sector")} is at most 100 characters");
                var member = existing.FirstOrDefault(m => m.Term == term && m.Name == name);
                if (member is null)
                {
                    member = new Member { Body = b!, Name = name, Term = term, CreatedAt = now };
                    db.Set<Member>().Add(member);
                    existing.Add(member);
                    added++;
                }
                else updated++;
                member.Active = true;
                if (b == Bodies.Npc) member.Delegation = group;
                else member.Sector = group;
                if (Text.OrNull(r.Username) is { } username)
                {
                    if (username.Length > 64) return Error.Validation($"{line}: username is at most 64 characters");
                    var user = db.Users.Local.FirstOrDefault(u => u.Username == username) ?? await db.Users.FirstOrDefaultAsync(u => u.Username == username, ct);
                    if (user is null)
                    {
                        // A new account for the member's own pages: no role, in the body's office unit; its password shown once.
                        password ??= Passwords.Generate();
                        hash ??= Passwords.Hash(password);
                        user = new User { Username = username, DisplayName = name, UnitCode = access.Options.OfficeOf(b!), Roles = "", PasswordHash = hash, CreatedAt = now };
                        db.Users.Add(user);
                        accounts.Add(new NewAccount(username, password));
                    }
                    else if (user.Roles.Length > 0)
                        return Error.Validation($"{line}: username {username} is a staff account / 该账号为工作人员账号，不能作为代表委员账号");
                    await db.SaveChangesAsync(ct);
                    if (existing.Any(m => m.UserId == user.Id && m != member)) return Error.Validation($"{line}: username {username} belongs to another member / 账号已属于其他代表委员");
                    member.UserId = user.Id;
                }
            }
            await db.SaveChangesAsync(ct);
            var data = new JsonObject { ["body"] = b, ["added"] = added, ["updated"] = updated, ["accounts"] = new JsonArray([.. accounts.Select(a => JsonValue.Create(a.Username))]) };
            return new ChangeMade<MembersImported>(new MembersImported(b!, added, updated, accounts), [new AuditEvent(actor, Imported, data)], []);
        }, ct);

    private static Result<List<Row>> Parse(string csv)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant(),
            HeaderValidated = null,
            MissingFieldFound = null,
            TrimOptions = TrimOptions.Trim,
        };
        try
        {
            using var reader = new StringReader(csv.TrimStart('\uFEFF'));
            using var parser = new CsvReader(reader, config);
            if (!parser.Read() || !parser.ReadHeader()) return Error.Validation("csv: a header line is required: name,term,delegation|sector[,username] / 缺少表头");
            var header = parser.HeaderRecord ?? [];
            if (!header.Any(h => h.Trim().Equals("name", StringComparison.OrdinalIgnoreCase)) || !header.Any(h => h.Trim().Equals("term", StringComparison.OrdinalIgnoreCase)))
                return Error.Validation("csv: the header must name the columns name and term / 表头应包含 name、term");
            var rows = new List<Row>();
            while (parser.Read())
            {
                rows.Add(new Row(parser.GetField("body"), parser.GetField("name"), parser.GetField("delegation"), parser.GetField("sector"),
                    parser.GetField("term"), parser.GetField("username")));
                if (rows.Count > MaxRows) break;
            }
            return rows;
        }
        catch (CsvHelperException e)
        {
            return Error.Validation("csv: " + e.Message.Split('\n')[0]);
        }
    }

    /// <summary>Records a member's activity (the office of the member's body).</summary>
    public Task<Result<ActivityRecorded>> RecordActivityAsync(long memberId, RecordActivityRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<ActivityRecorded>(async () =>
        {
            var member = await db.Set<Member>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == memberId, ct);
            if (member is null || !(access.IsOffice(actor, member.Body) || access.Oversees(actor))) return Error.NotFound("代表委员不存在 / member not found");
            if (!access.IsOffice(actor, member.Body)) return Error.Forbidden("履职记录由本机构的工作机构登记 / the office records activities");
            var made = Activity(member, req, actor, time.Now());
            if (!made.IsSuccess) return made.Error!;
            var a = made.Value!;
            db.Set<MemberActivity>().Add(a);
            await db.SaveChangesAsync(ct);
            var data = new JsonObject { ["member"] = member.Id, ["kind"] = a.Kind, ["title"] = a.Title, ["day"] = a.Day, ["activity"] = a.Id };
            return new ChangeMade<ActivityRecorded>(new ActivityRecorded(a.Id, member.Id, a.Year, a.Kind), [new AuditEvent(actor, ActivityRecordedEvent, data)], []);
        }, ct);

    /// <summary>Several members' activities in one change (the demo's year), checked as one.</summary>
    public Task<Result<int>> RecordActivitiesAsync(IReadOnlyList<(long MemberId, RecordActivityRequest Request)> items, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<int>(async () =>
        {
            var ids = items.Select(i => i.MemberId).Distinct().ToList();
            var members = await db.Set<Member>().AsNoTracking().Where(m => ids.Contains(m.Id)).ToDictionaryAsync(m => m.Id, ct);
            var now = time.Now();
            foreach (var (memberId, req) in items)
            {
                if (!members.TryGetValue(memberId, out var member) || !access.IsOffice(actor, member.Body)) return Error.Forbidden("履职记录由本机构的工作机构登记 / the office records activities");
                var made = Activity(member, req, actor, now);
                if (!made.IsSuccess) return made.Error!;
                db.Set<MemberActivity>().Add(made.Value!);
            }
            await db.SaveChangesAsync(ct);
            var data = new JsonObject { ["activities"] = items.Count, ["members"] = ids.Count };
            return new ChangeMade<int>(items.Count, [new AuditEvent(actor, ActivityRecordedEvent, data)], []);
        }, ct);

    private static Result<MemberActivity> Activity(Member member, RecordActivityRequest req, Actor actor, DateTimeOffset now)
    {
        var kind = Text.OrNull(req.Kind);
        if (kind is null || !ActivityKinds.Contains(kind)) return Error.Validation($"kind must be one of {string.Join(", ", ActivityKinds)} / 履职类型不存在");
        if (Text.OrNull(req.Title) is not { Length: <= 200 } title || Text.HasControlCharacters(title)) return Error.Validation("title is required, at most 200 characters / 请填写活动名称");
        if (!DateOnly.TryParseExact(Text.OrNull(req.Day), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) || day.Year is < 2000 or > 2100)
            return Error.Validation("day must be a date, yyyy-MM-dd / 日期格式应为 yyyy-MM-dd");
        return new MemberActivity
        {
            MemberId = member.Id,
            Year = day.Year,
            Kind = kind,
            Title = title,
            Day = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            RecordedAt = now,
            RecordedBy = actor.Id,
        };
    }
}
