using System.Globalization;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Duban.Features.Proposals.Opinions;

/// <summary>
/// A social-opinion item (社情民意信息) or a member's report (调研报告), submitted by a member: edited and adopted (采用)
/// by the office, forwarded to the leaders (报送), who may instruct on it (批示, <see cref="OpinionInstruction"/>).
/// </summary>
public sealed class OpinionItem
{
    public long Id { get; set; }
    public required string Body { get; set; }
    public int Year { get; set; }
    /// <summary><c>opinion</c> (社情民意信息) or <c>report</c> (调研报告).</summary>
    public required string Kind { get; set; }
    public long MemberId { get; set; }
    public required string Title { get; set; }
    public required string Content { get; set; }
    public required string Status { get; set; }
    /// <summary>Whether the office edited the text (编辑) before adopting it.</summary>
    public bool Edited { get; set; }
    /// <summary>Why the office did not adopt it.</summary>
    public string? Reason { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset? AdoptedAt { get; set; }
    public DateTimeOffset? ForwardedAt { get; set; }
    /// <summary>The leaders it was forwarded to (报送市委、市政府领导).</summary>
    public string? ForwardedTo { get; set; }
}

/// <summary>A leader's instruction (批示) on a forwarded item: one item may receive several.</summary>
public sealed class OpinionInstruction
{
    public long Id { get; set; }
    public long ItemId { get; set; }
    public required string Leader { get; set; }
    public required string Text { get; set; }
    /// <summary>yyyy-MM-dd.</summary>
    public required string Day { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public long? RecordedBy { get; set; }
    /// <summary>The instruction source (Features/Sources) it opened, when it named a unit to carry it out (schema 0035).</summary>
    public long? SourceId { get; set; }
}

public static class OpinionStatus
{
    public const string Submitted = "submitted";      // 已报送, waiting for the office
    public const string Adopted = "adopted";          // 已采用
    public const string NotAdopted = "not_adopted";   // 未采用
    public const string Forwarded = "forwarded";      // 已报送领导

    public static string Label(string status, bool en) => status switch
    {
        Submitted => en ? "Submitted" : "待编审",
        Adopted => en ? "Adopted" : "已采用",
        NotAdopted => en ? "Not adopted" : "未采用",
        Forwarded => en ? "Forwarded to leaders" : "已报送领导",
        _ => status,
    };
}

internal sealed class OpinionItemConfiguration : IEntityTypeConfiguration<OpinionItem>
{
    public void Configure(EntityTypeBuilder<OpinionItem> e)
    {
        e.ToTable("opinion_items");
        e.HasOne<Member>().WithMany().HasForeignKey(x => x.MemberId);
    }
}

internal sealed class OpinionInstructionConfiguration : IEntityTypeConfiguration<OpinionInstruction>
{
    public void Configure(EntityTypeBuilder<OpinionInstruction> e)
    {
        e.ToTable("opinion_instructions");
        e.HasOne<OpinionItem>().WithMany().HasForeignKey(x => x.ItemId);
    }
}

/// <summary>POST /api/v1/opinions: a member submits (as themself), or the office for a member (<paramref name="MemberId"/>).</summary>
public sealed record SubmitOpinionRequest(string? Body, int? Year, string? Kind, string? Title, string? Content, long? MemberId = null);

/// <summary>POST /api/v1/opinions/{id}/edit: the office's edit of a submitted item.</summary>
public sealed record EditOpinionRequest(string? Title, string? Content);

/// <summary>POST /api/v1/opinions/{id}/not-adopt.</summary>
public sealed record NotAdoptOpinionRequest(string? Reason);

/// <summary>POST /api/v1/opinions/{id}/forward: the leaders it goes to.</summary>
public sealed record ForwardOpinionRequest(string? Leaders);

/// <summary>
/// POST /api/v1/opinions/{id}/instructions: a leader's instruction (the leader's own account, or the office recording it).
/// With <paramref name="LeadUnitCode"/> (the unit the instruction gives the work to, 牵头单位), it opens an instruction source
/// tracked as one (Features/Sources): an item for that unit, with <paramref name="CoUnitCodes"/> and <paramref name="DueDate"/>
/// (yyyy-MM-dd; else the policy's deadline), owned by the body's office.
/// </summary>
public sealed record InstructOpinionRequest(string? Leader, string? Text, string? Day, string? LeadUnitCode = null, string[]? CoUnitCodes = null,
    string? DueDate = null);

public sealed record InstructionView(long Id, string Leader, string Text, string Day, long? SourceId = null);

public sealed record OpinionView(long Id, string Body, int Year, string Kind, long MemberId, string MemberName, string Title, string Content, string Status,
    string StatusLabel, bool Edited, string? Reason, DateTimeOffset SubmittedAt, DateTimeOffset? AdoptedAt, DateTimeOffset? ForwardedAt, string? ForwardedTo,
    IReadOnlyList<InstructionView> Instructions);

public sealed record OpinionList(IReadOnlyList<OpinionView> Items, int Total);

/// <summary>A body's year of items: submitted (of which reports), adopted (forwarded among them), and the leaders' instructions.</summary>
public sealed record OpinionFigures(string Body, int Year, int Submitted, int Opinions, int Reports, int Adopted, int NotAdopted, int Forwarded, int Instructions, int Instructed);

/// <summary>
/// The items' life, each step one audited change (<c>opinion-submit</c>, <c>opinion-edit</c>, <c>opinion-adopt</c>,
/// <c>opinion-not-adopt</c>, <c>opinion-forward</c>, <c>opinion-instruct</c>): a member submits; the body's office edits,
/// adopts or not, forwards the adopted to the leaders; a leader's instruction is recorded on a forwarded item. States
/// decide first (409 invalid_transition), then who asks (403; an item the caller may not read is 404).
/// </summary>
public sealed class OpinionChanges(DubanDb db, AuditLog audit, TimeProvider time, ProposalAccess access, Sources.SourceChanges sources)
{
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal) { "opinion", "report" };

    public Task<Result<OpinionItem>> SubmitAsync(SubmitOpinionRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<OpinionItem>(async () =>
        {
            var body = Text.OrNull(req.Body);
            if (!Bodies.IsBody(body)) return Error.Validation("body must be npc or cppcc / 请选择人大或政协");
            if (req.Year is not (>= 2000 and <= 2100)) return Error.Validation("year is required, e.g. 2025 / 请填写年度");
            var kind = Text.OrNull(req.Kind) ?? "opinion";
            if (!Kinds.Contains(kind)) return Error.Validation("kind must be opinion or report / 类型应为社情民意信息或调研报告");
            if ((Actions.ProposalRules.Text(req.Title, "title", 200) ?? Actions.ProposalRules.Text(req.Content, "content", 20_000)) is { } bad) return bad;
            Member? member;
            if (access.IsOffice(actor, body!))
            {
                if (req.MemberId is not { } mid) return Error.Validation("memberId is required when the office submits for a member / 请选择委员");
                member = await db.Set<Member>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == mid && m.Body == body && m.Active, ct);
                if (member is null) return Error.Validation($"memberId: no member {mid} of the {body} register / 委员不存在");
            }
            else
            {
                member = await ProposalAccess.MemberOfAsync(db, actor, ct);
                if (member is null || member.Body != body || !member.Active) return Error.Forbidden("社情民意信息由委员本人或工作机构报送 / members submit their own items");
                if (req.MemberId is { } other && other != member.Id) return Error.Forbidden("委员只能以本人名义报送 / a member submits in their own name");
            }
            var item = new OpinionItem
            {
                Body = body!,
                Year = req.Year.Value,
                Kind = kind,
                MemberId = member.Id,
                Title = req.Title!.Trim(),
                Content = req.Content!.Trim(),
                Status = OpinionStatus.Submitted,
                SubmittedAt = time.Now(),
            };
            db.Set<OpinionItem>().Add(item);
            await db.SaveChangesAsync(ct);
            return Made(item, actor, "opinion-submit", new JsonObject { ["member"] = member.Id, ["kind"] = kind, ["title"] = item.Title });
        }, ct);

    public Task<Result<OpinionItem>> EditAsync(long id, EditOpinionRequest req, Actor actor, CancellationToken ct) =>
        Step(id, actor, "opinion-edit", "编辑", [OpinionStatus.Submitted], item =>
        {
            if (Text.OrNull(req.Title) is null && Text.OrNull(req.Content) is null) return Error.Validation("title or content is required / 请填写编辑后的标题或正文");
            if ((Actions.ProposalRules.Text(req.Title, "title", 200, required: false) ?? Actions.ProposalRules.Text(req.Content, "content", 20_000, required: false)) is { } bad) return bad;
            var data = new JsonObject { ["titleBefore"] = item.Title };
            item.Title = Text.OrNull(req.Title) ?? item.Title;
            item.Content = Text.OrNull(req.Content) ?? item.Content;
            item.Edited = true;
            data["title"] = item.Title;
            return data;
        }, ct);

    public Task<Result<OpinionItem>> AdoptAsync(long id, Actor actor, CancellationToken ct) =>
        Step(id, actor, "opinion-adopt", "采用", [OpinionStatus.Submitted], item =>
        {
            item.Status = OpinionStatus.Adopted;
            item.AdoptedAt = time.Now();
            return new JsonObject { ["member"] = item.MemberId };
        }, ct);

    public Task<Result<OpinionItem>> NotAdoptAsync(long id, NotAdoptOpinionRequest req, Actor actor, CancellationToken ct) =>
        Step(id, actor, "opinion-not-adopt", "不予采用", [OpinionStatus.Submitted], item =>
        {
            if (Actions.ProposalRules.Text(req.Reason, "reason", 2000) is { } bad) return bad;
            item.Status = OpinionStatus.NotAdopted;
            item.Reason = req.Reason!.Trim();
            return new JsonObject { ["reason"] = item.Reason };
        }, ct);

    public Task<Result<OpinionItem>> ForwardAsync(long id, ForwardOpinionRequest req, Actor actor, CancellationToken ct) =>
        Step(id, actor, "opinion-forward", "报送领导", [OpinionStatus.Adopted], item =>
        {
            if (Actions.ProposalRules.Text(req.Leaders, "leaders", 500) is { } bad) return bad;
            item.Status = OpinionStatus.Forwarded;
            item.ForwardedAt = time.Now();
            item.ForwardedTo = req.Leaders!.Trim();
            return new JsonObject { ["leaders"] = item.ForwardedTo };
        }, ct);

    /// <summary>
    /// A leader's instruction (批示) on a forwarded item: a leader's own account (a city leader, <c>Roles.Leader</c> city-wide)
    /// gives it in their name; the office records one that came on paper, naming the leader.
    /// </summary>
    public Task<Result<OpinionItem>> InstructAsync(long id, InstructOpinionRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<OpinionItem>(async () =>
        {
            var item = await db.Set<OpinionItem>().FirstOrDefaultAsync(i => i.Id == id, ct);
            var leader = actor.Has(Roles.Leader) && access.Oversees(actor);
            if (item is null || !(access.IsOffice(actor, item.Body) || leader || await IsSubmitterAsync(item, actor, ct))) return Error.NotFound(NotFound);
            if (item.Status != OpinionStatus.Forwarded)
                return Error.Conflict("invalid_transition", $"「{OpinionStatus.Label(item.Status, false)}」的信息尚未报送领导，不能批示 / only an item forwarded to the leaders is instructed on");
            if (!access.IsOffice(actor, item.Body) && !leader) return Error.Forbidden("批示由领导作出，或由工作机构登记 / a leader instructs, or the office records it");
            var name = access.IsOffice(actor, item.Body) ? Text.OrNull(req.Leader) : actor.DisplayName;
            if (name is null) return Error.Validation("leader is required: the leader who instructed / 请填写批示领导");
            if ((Actions.ProposalRules.Text(name, "leader", 100) ?? Actions.ProposalRules.Text(req.Text, "text", 5000)) is { } bad) return bad;
            var now = time.Now();
            var day = Clock.ChinaDate(now);
            if (Text.OrNull(req.Day) is { } typed && !DateOnly.TryParseExact(typed, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
                return Error.Validation("day must be a date, yyyy-MM-dd / 日期格式应为 yyyy-MM-dd");
            var instruction = new OpinionInstruction
            {
                ItemId = item.Id,
                Leader = name,
                Text = req.Text!.Trim(),
                Day = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                RecordedAt = now,
                RecordedBy = actor.Id,
            };
            var tracked = Text.OrNull(req.LeadUnitCode) is not null;
            if (!tracked && (req.CoUnitCodes is { Length: > 0 } || Text.OrNull(req.DueDate) is not null))
                return Error.Validation("leadUnitCode is required with coUnitCodes or dueDate: the unit the instruction gives the work to / 请填写牵头单位");
            // Given a unit to carry it out, the instruction is tracked as an instruction source, in this same change.
            ChangeMade<Sources.SourceCreated>? opened = null;
            if (tracked)
            {
                var source = await sources.CreateChangeAsync(Source(item, instruction, req), actor, ct);
                if (!source.IsSuccess) return Renamed(source.Error!);
                opened = source.Value!;
            }
            instruction.SourceId = opened?.Value.Id;
            db.Set<OpinionInstruction>().Add(instruction);
            await db.SaveChangesAsync(ct);
            var data = new JsonObject { ["leader"] = name, ["instruction"] = instruction.Id, ["day"] = instruction.Day };
            if (instruction.SourceId is { } sourceId) data["source"] = sourceId;
            var made = Made(item, actor, "opinion-instruct", data);
            return opened is null ? made : new ChangeMade<OpinionItem>(item, [.. made.Events, .. opened.Events], []);
        }, ct);

    /// <summary>The instruction source an instruction opens: the item's title, the leader's words, one item for the unit named.</summary>
    private Sources.CreateSourceRequest Source(OpinionItem item, OpinionInstruction instruction, InstructOpinionRequest req)
    {
        var title = $"{instruction.Leader}对《{item.Title}》的批示";
        return new Sources.CreateSourceRequest(Sources.SourceTypes.Instruction, title.Length <= 200 ? title : title[..200], instruction.Day,
            access.Options.OfficeOf(item.Body), Leader: instruction.Leader, LeaderLevel: "city", Text: instruction.Text,
            Items: [new Sources.SourceItemInput(item.Title, instruction.Text, req.LeadUnitCode, req.CoUnitCodes, req.DueDate)]);
    }

    /// <summary>A refusal of the source's one item named as this request's fields (<c>items[0].leadUnitCode</c> → <c>leadUnitCode</c>).</summary>
    private static Error Renamed(Error error) => error with { Message = error.Message.Replace("items[0].", "", StringComparison.Ordinal) };

    public const string NotFound = "社情民意信息不存在，或您无权查看 / item not found";

    private async Task<bool> IsSubmitterAsync(OpinionItem item, Actor actor, CancellationToken ct) =>
        await ProposalAccess.MemberOfAsync(db, actor, ct) is { } m && m.Id == item.MemberId;

    /// <summary>An office's step on one item: found (404 for whom may not read it), in a state that allows it (409), by the body's office (403).</summary>
    private Task<Result<OpinionItem>> Step(long id, Actor actor, string action, string verb, string[] from, Func<OpinionItem, Result<JsonObject>> apply, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<OpinionItem>(async () =>
        {
            var item = await db.Set<OpinionItem>().FirstOrDefaultAsync(i => i.Id == id, ct);
            if (item is null || !(access.IsOffice(actor, item.Body) || access.Oversees(actor) || await IsSubmitterAsync(item, actor, ct))) return Error.NotFound(NotFound);
            if (!from.Contains(item.Status))
                return Error.Conflict("invalid_transition", $"「{OpinionStatus.Label(item.Status, false)}」的信息不能{verb} / cannot do this to an item that is {item.Status}");
            if (!access.IsOffice(actor, item.Body)) return Error.Forbidden($"由工作机构{verb} / the office does this");
            var applied = apply(item);
            if (!applied.IsSuccess) return applied.Error!;
            await db.SaveChangesAsync(ct);
            return Made(item, actor, action, applied.Value!);
        }, ct);

    private static ChangeMade<OpinionItem> Made(OpinionItem item, Actor actor, string action, JsonObject data)
    {
        data["item"] = item.Id;
        data["status"] = item.Status;
        return new ChangeMade<OpinionItem>(item, [new AuditEvent(actor, action, data)], []);
    }
}

/// <summary>The items a caller may read (the office its body's, the city's coordinators all, a member their own), and a body's figures for a year.</summary>
public sealed class OpinionQueries(DubanDb db, ProposalAccess access)
{
    private static bool En => CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.Ordinal);

    public async Task<Result<OpinionList>> ListAsync(string? body, int? year, string? status, int? page, int? pageSize, Actor actor, CancellationToken ct)
    {
        var b = Text.OrNull(body);
        if (b is not null && !Bodies.IsBody(b)) return Error.Validation("body must be npc or cppcc");
        var items = db.Set<OpinionItem>().AsNoTracking();
        if (!access.Oversees(actor))
        {
            var office = access.OfficeBody(actor);
            if (office is not null) items = items.Where(i => i.Body == office);
            else if (await ProposalAccess.MemberOfAsync(db, actor, ct) is { } me) items = items.Where(i => i.MemberId == me.Id);
            else return new OpinionList([], 0);
        }
        if (b is not null) items = items.Where(i => i.Body == b);
        if (year is { } y) items = items.Where(i => i.Year == y);
        if (Text.OrNull(status) is { } s) items = items.Where(i => i.Status == s);
        var total = await items.CountAsync(ct);
        var size = Math.Clamp(pageSize ?? 100, 1, 500);
        var rows = await items.OrderByDescending(i => i.Id).Skip((Math.Max(1, page ?? 1) - 1) * size).Take(size).ToListAsync(ct);
        return new OpinionList(await ViewsAsync(rows, ct), total);
    }

    public async Task<Result<OpinionView>> GetAsync(long id, Actor actor, CancellationToken ct)
    {
        var item = await db.Set<OpinionItem>().AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, ct);
        if (item is null || !(access.IsOffice(actor, item.Body) || access.Oversees(actor)
            || (await ProposalAccess.MemberOfAsync(db, actor, ct) is { } me && me.Id == item.MemberId)))
            return Error.NotFound(OpinionChanges.NotFound);
        return (await ViewsAsync([item], ct))[0];
    }

    private async Task<List<OpinionView>> ViewsAsync(List<OpinionItem> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToList();
        var memberIds = rows.Select(r => r.MemberId).Distinct().ToList();
        var names = await db.Set<Member>().AsNoTracking().Where(m => memberIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, m => m.Name, ct);
        var instructions = await db.Set<OpinionInstruction>().AsNoTracking().Where(x => ids.Contains(x.ItemId)).OrderBy(x => x.Id).ToListAsync(ct);
        return [.. rows.Select(i => new OpinionView(i.Id, i.Body, i.Year, i.Kind, i.MemberId, names.GetValueOrDefault(i.MemberId, ""), i.Title, i.Content, i.Status,
            OpinionStatus.Label(i.Status, En), i.Edited, i.Reason, i.SubmittedAt, i.AdoptedAt, i.ForwardedAt, i.ForwardedTo,
            [.. instructions.Where(x => x.ItemId == i.Id).Select(x => new InstructionView(x.Id, x.Leader, x.Text, x.Day, x.SourceId))]))];
    }

    /// <summary>The office and the city's coordinators: counted from the rows (a few hundred a year).</summary>
    public async Task<Result<OpinionFigures>> FiguresAsync(string? body, int? year, Actor actor, CancellationToken ct)
    {
        var b = Text.OrNull(body);
        if (!Bodies.IsBody(b)) return Error.Validation("body must be npc or cppcc");
        if (year is not (>= 2000 and <= 2100)) return Error.Validation("year is required, e.g. 2025 / 请填写年度");
        if (!access.IsOffice(actor, b!) && !access.Oversees(actor)) return Error.Forbidden("由工作机构和市级督办人员查看 / the office's and the city's coordinators'");
        var rows = await db.Set<OpinionItem>().AsNoTracking().Where(i => i.Body == b && i.Year == year)
            .GroupBy(i => new { i.Kind, i.Status }).Select(g => new { g.Key.Kind, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var instructed = await (from x in db.Set<OpinionInstruction>()
                                join i in db.Set<OpinionItem>() on x.ItemId equals i.Id
                                where i.Body == b && i.Year == year
                                group x by x.ItemId into g
                                select g.Count()).ToListAsync(ct);
        int Count(Func<string, string, bool> where) => rows.Where(r => where(r.Kind, r.Status)).Sum(r => r.Count);
        return new OpinionFigures(b!, year.Value, Count((_, _) => true), Count((k, _) => k == "opinion"), Count((k, _) => k == "report"),
            Count((_, s) => s is OpinionStatus.Adopted or OpinionStatus.Forwarded), Count((_, s) => s == OpinionStatus.NotAdopted),
            Count((_, s) => s == OpinionStatus.Forwarded), instructed.Sum(), instructed.Count);
    }
}
