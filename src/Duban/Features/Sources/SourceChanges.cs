using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Sources;

/// <summary>
/// Creating a source, adding items to it, and its report back: each one audited change (the source's
/// event on the system chain, each new matter's first event on its own), all or nothing. Every item
/// becomes a task born dispatched to its units (<see cref="NewTasks"/>), on the source's type as its
/// channel, under the task policy of its urgency, due at the end of its due date.
/// </summary>
public sealed partial class SourceChanges(DubanDb db, AuditLog audit, TimeProvider time, UnitDirectory units, MatterClock clock,
    RegisterNumbers numbers, MatterFacets facets, SourceAccess access, SourceTypeCatalog types, IEnumerable<ISourceType> modules,
    Notifications.Notifier notifier)
{
    /// <summary>The first event of an item's chain.</summary>
    public const string ItemRegistered = "register_source_item";

    public const string Created = "source_create";
    public const string ItemsAdded = "source_add_items";
    public const string ReportedBack = "source_report";

    public const int MaxItems = 100;
    public const int MaxMeasures = 20;

    public static readonly IReadOnlySet<string> LeaderLevels = new HashSet<string>(StringComparer.Ordinal) { "national", "province", "city", "county", "town" };

    public static readonly IReadOnlySet<string> MeetingKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "standing_committee", "executive", "work_conference", "joint", "thematic", "other",
    };

    public Task<Result<SourceCreated>> CreateAsync(CreateSourceRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync(() => CreateChangeAsync(req, actor, ct), ct);

    /// <summary>
    /// The creation as a step of a caller's own audited change (a module that opens a source as part of its action, e.g. a
    /// leader's instruction on a social-opinion item): the same checks, rows and events as <see cref="CreateAsync"/>, in the
    /// caller's transaction, so that both are made or neither.
    /// </summary>
    public async Task<Result<ChangeMade<SourceCreated>>> CreateChangeAsync(CreateSourceRequest req, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(req);
        ArgumentNullException.ThrowIfNull(actor);
        var now = time.Now();
        var type = Text.OrNull(req.Type);
        if (!types.IsType(type))
            return Error.Validation($"type must be one of {types.Names} / 来源类型不存在");
        var title = Text.OrNull(req.Title);
        if (title is null || title.Length > 200) return Error.Validation("title is required, at most 200 characters / 请填写标题（不超过200字）");
        var date = Text.OrNull(req.Date) is { } given ? ParseDate(given) : Clock.ChinaDate(now);
        if (date is null) return Error.Validation("date must be a date, yyyy-MM-dd / 日期格式应为 yyyy-MM-dd");
        var owner = Text.OrNull(req.OwnerUnitCode);
        if (owner is null) return Error.Validation("ownerUnitCode is required / 请指定负责督办的单位");
        if (await units.FindAsync(owner, ct) is null) return Error.Validation($"ownerUnitCode: unit {owner} does not exist / 单位 {owner} 不存在");
        if (!await access.MayManageAsync(actor, owner, ct))
            return Error.Forbidden("只有督办单位及其上级的督办人员可以建立督办来源 / only the owning supervising unit and the coordinators above it create its sources");
        if (req.ParentId is { } parentId)
        {
            var parent = await db.Set<Source>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == parentId, ct);
            var reach = await access.ReachAsync(actor, ct);
            if (parent is null || SourceAccess.SightOf(reach, parent, holdsAnItem: false) != SourceSight.Whole)
                return Error.Validation($"parentId: source {parentId} does not exist / 上级来源不存在");
        }
        // A module's type checks its own fields (Extra); the built-in ones are read here.
        SourceTypePart? part = null;
        var details = SourceTypeCatalog.IsBuiltIn(type!) ? await DetailsAsync(type!, req, ct) : (Result<SourceDetails>)new SourceDetails();
        if (!details.IsSuccess) return details.Error!;
        if (!SourceTypeCatalog.IsBuiltIn(type!))
        {
            if (modules.FirstOrDefault(m => m.Type == type) is not { } module) return Error.Validation($"type: {type} is not available / 来源类型不可用");
            var checkedPart = await module.CheckAsync(req, actor, ct);
            if (!checkedPart.IsSuccess) return checkedPart.Error!;
            part = checkedPart.Value!;
        }
        var measures = ReadMeasures(type!, req.Measures);
        if (!measures.IsSuccess) return measures.Error!;

        var source = new Source
        {
            Type = type!,
            Title = title,
            Date = date.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            OwnerUnitCode = owner,
            ParentId = req.ParentId,
            Confidential = req.Confidential == true,
            Status = Source.Open,
            Details = JsonSerializer.Serialize(details.Value, Json),
            CreatedAt = now,
            CreatedBy = actor.Id,
            Version = 1,
        };
        var items = await BuildItemsAsync(source, [.. req.Items ?? [], .. part?.Items ?? []], 0, actor, now, ct);
        if (!items.IsSuccess) return items.Error!;

        // The source's id first (inside the transaction: a refusal after it still leaves nothing).
        db.Set<Source>().Add(source);
        await db.SaveChangesAsync(ct);
        var matters = await LinkAsync(source, items.Value!, 0, ct);
        if (part is not null) await part.Record(source, ct);
        for (var i = 0; i < measures.Value!.Count; i++)
        {
            measures.Value[i].SourceId = source.Id;
            measures.Value[i].Seq = i;
            db.Set<SourceMeasure>().Add(measures.Value[i]);
        }

        var data = Describe(source);
        data["items"] = new JsonArray([.. matters.Select(m => JsonValue.Create(m.Number))]);
        if (measures.Value!.Count > 0) data["measures"] = new JsonArray([.. measures.Value!.Select(m => JsonValue.Create(m.Key))]);
        if (part is not null) data[source.Type] = part.Audit;
        return new ChangeMade<SourceCreated>(new SourceCreated(source.Id, [.. matters.Select(m => m.Id)]),
            [new AuditEvent(actor, Created, data), .. ItemEvents(source, matters, actor)], []);
    }

    public Task<Result<SourceCreated>> AddItemsAsync(long id, AddSourceItemsRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<SourceCreated>(async () =>
        {
            var now = time.Now();
            var source = await VisibleWholeAsync(id, actor, ct);
            if (!source.IsSuccess) return source.Error!;
            var s = source.Value!;
            if (!await access.MayManageAsync(actor, s.OwnerUnitCode, ct))
                return Error.Forbidden("只有督办单位及其上级的督办人员可以增加事项 / only the owning supervising unit and the coordinators above it add items");
            return await AddItemsChangeAsync(s, req.Items, actor, now, ct);
        }, ct);

    /// <summary>
    /// Items added as a step of a module's own audited change, on the module's authority (the caller has settled who may
    /// add them: a key project's monthly report duty, opened by the system, Features/Projects): the same checks, rows and
    /// events as <see cref="AddItemsAsync"/>, in the caller's transaction, so that the module's rows and the items are
    /// made together or not at all. <paramref name="s"/> is tracked by this context.
    /// </summary>
    public async Task<Result<ChangeMade<SourceCreated>>> AddItemsChangeAsync(Source s, SourceItemInput[]? inputs, Actor actor, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Status != Source.Open) return Error.Conflict("source_reported", "督办来源已报告办理情况，不能再增加事项 / the source has been reported on and is closed");
        if (inputs is not { Length: > 0 }) return Error.Validation("items: at least one item / 请至少填写一项");
        var seq = await db.Set<SourceItem>().Where(i => i.SourceId == s.Id).Select(i => (int?)i.Seq).MaxAsync(ct) ?? 0;
        var items = await BuildItemsAsync(s, inputs, seq, actor, now, ct);
        if (!items.IsSuccess) return items.Error!;
        var matters = await LinkAsync(s, items.Value!, seq, ct);
        s.Version++;
        var data = Describe(s);
        data["items"] = new JsonArray([.. matters.Select(m => JsonValue.Create(m.Number))]);
        return new ChangeMade<SourceCreated>(new SourceCreated(s.Id, [.. matters.Select(m => m.Id)]),
            [new AuditEvent(actor, ItemsAdded, data), .. ItemEvents(s, matters, actor)], []);
    }

    /// <summary>The report back (办理情况报告; for an instruction 向领导报告办理结果): only once every item is finished, and it closes the source.</summary>
    public Task<Result<Source>> ReportAsync(long id, ReportSourceRequest req, Actor actor, CancellationToken ct) =>
        new AuditedChange(db, audit).RunAsync<Source>(async () =>
        {
            var source = await VisibleWholeAsync(id, actor, ct);
            if (!source.IsSuccess) return source.Error!;
            var s = source.Value!;
            if (!await access.MayManageAsync(actor, s.OwnerUnitCode, ct))
                return Error.Forbidden("只有督办单位及其上级的督办人员可以报告办理情况 / only the owning supervising unit and the coordinators above it report back");
            var text = Text.OrNull(req.Text);
            if (text is null) return Error.Validation("text is required / 请填写办理情况报告");
            if (text.Length > 20_000) return Error.Validation("text is at most 20000 characters / 报告不超过20000字");
            if (req.Version is { } v && v != s.Version) return Error.StaleVersion(v, s.Version);
            if (s.Status != Source.Open) return Error.Conflict("source_reported", "督办来源已报告办理情况 / the source has already been reported on");
            var open = await (from i in db.Set<SourceItem>()
                              join m in db.Matters on i.MatterId equals m.Id
                              where i.SourceId == s.Id && !Status.Finished.Contains(m.Status)
                              orderby i.Seq
                              select m.Number).ToListAsync(ct);
            if (open.Count > 0)
                return Error.Conflict("items_open", $"尚有事项未办结：{string.Join("、", open)}，不能报告办理情况 / items still open: {string.Join(", ", open)}");
            var now = time.Now();
            s.Status = Source.Reported;
            s.Report = text;
            s.ReportedAt = now;
            s.ReportedBy = actor.Id;
            s.Version++;
            var data = Describe(s);
            data["report"] = text;
            return new ChangeMade<Source>(s, [new AuditEvent(actor, ReportedBack, data)], []);
        }, ct);

    private async Task<Result<Source>> VisibleWholeAsync(long id, Actor actor, CancellationToken ct)
    {
        var s = await db.Set<Source>().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (s is null) return Error.NotFound(NotFoundText);
        return (await access.SightAsync(db, actor, s, ct)).Sight switch
        {
            SourceSight.None => Error.NotFound(NotFoundText),
            SourceSight.OwnItems => Error.Forbidden("只有督办单位及其上级的督办人员可以管理督办来源 / only the owning supervising unit and the coordinators above it manage the source"),
            _ => s,
        };
    }

    public const string NotFoundText = "督办来源不存在，或您无权查看 / source not found";

    private async Task<Result<SourceDetails>> DetailsAsync(string type, CreateSourceRequest req, CancellationToken ct)
    {
        if (Text.HasControlCharacters(req.Leader, req.Text, req.Chair, req.Minutes, req.Theme, req.Group, req.Findings))
            return Error.Validation("text fields may not hold control characters / 文本含有不允许的控制字符");
        foreach (var (value, field, max) in new[] { (req.Leader, "leader", 100), (req.Chair, "chair", 100), (req.Theme, "theme", 200), (req.Group, "group", 200),
                     (req.Text, "text", 20_000), (req.Minutes, "minutes", 20_000), (req.Findings, "findings", 20_000) })
        {
            if (value is { } v && v.Length > max) return Error.Validation($"{field} is at most {max} characters");
        }
        switch (type)
        {
            case SourceTypes.Instruction:
                if (Text.OrNull(req.Leader) is not { } leader) return Error.Validation("leader is required for an instruction / 请填写批示领导");
                var level = Text.OrNull(req.LeaderLevel);
                if (level is not null && !LeaderLevels.Contains(level)) return Error.Validation($"leaderLevel must be one of {string.Join(", ", LeaderLevels)}");
                return new SourceDetails { Leader = leader, LeaderLevel = level, Text = Text.OrNull(req.Text) };
            case SourceTypes.Meeting:
                var kind = Text.OrNull(req.MeetingKind);
                if (kind is not null && !MeetingKinds.Contains(kind)) return Error.Validation($"meetingKind must be one of {string.Join(", ", MeetingKinds)}");
                return new SourceDetails { MeetingKind = kind, Chair = Text.OrNull(req.Chair), Minutes = Text.OrNull(req.Minutes) };
            case SourceTypes.Campaign:
                if (Text.OrNull(req.LeadUnitCode) is not { } lead) return Error.Validation("leadUnitCode is required for a campaign / 请指定牵头单位");
                if (await units.FindAsync(lead, ct) is null) return Error.Validation($"leadUnitCode: unit {lead} does not exist / 单位 {lead} 不存在");
                var convened = new List<string>();
                foreach (var (code, i) in (req.UnitCodes ?? []).Select((c, i) => (Text.OrNull(c), i)))
                {
                    if (code is null || await units.FindAsync(code, ct) is null) return Error.Validation($"unitCodes[{i}]: unit {code} does not exist / 单位不存在");
                    if (!convened.Contains(code)) convened.Add(code);
                }
                return new SourceDetails { LeadUnitCode = lead, UnitCodes = convened };
            default:
                if (Text.OrNull(req.Theme) is not { } theme) return Error.Validation("theme is required for research / 请填写调研主题");
                return new SourceDetails { Theme = theme, Group = Text.OrNull(req.Group), Findings = Text.OrNull(req.Findings) };
        }
    }

    private static Result<List<SourceMeasure>> ReadMeasures(string type, SourceMeasureInput[]? given)
    {
        if (given is not { Length: > 0 }) return new List<SourceMeasure>();
        if (type != SourceTypes.Campaign) return Error.Validation("measures: only a campaign declares outcome measures / 只有专项整治可以设置成效指标");
        if (given.Length > MaxMeasures) return Error.Validation($"measures: at most {MaxMeasures}");
        var list = new List<SourceMeasure>();
        for (var i = 0; i < given.Length; i++)
        {
            var m = given[i];
            var key = Text.OrNull(m?.Key);
            if (key is null || !KeyPattern().IsMatch(key)) return Error.Validation($"measures[{i}].key must be lower-case letters, digits and _ (e.g. yuan_saved), at most 40");
            if (list.Any(x => x.Key == key)) return Error.Validation($"measures[{i}].key {key} is declared twice");
            var name = Text.OrNull(m!.Name);
            if (name is null || name.Length > 100) return Error.Validation($"measures[{i}].name is required, at most 100 characters / 请填写指标名称");
            var unit = Text.OrNull(m.Unit);
            if (unit is null || unit.Length > 20) return Error.Validation($"measures[{i}].unit is required, at most 20 characters / 请填写计量单位");
            list.Add(new SourceMeasure { Key = key, Name = name, Unit = unit });
        }
        return list;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex KeyPattern();

    /// <summary>Every item checked and made a matter (not yet added): a refusal names the item's field.</summary>
    private async Task<Result<List<Matter>>> BuildItemsAsync(Source source, SourceItemInput[] inputs, int seq, Actor actor, DateTimeOffset now, CancellationToken ct)
    {
        if (inputs.Length > MaxItems) return Error.Validation($"items: at most {MaxItems} at a time");
        var today = Clock.ChinaDate(now);
        var checkedItems = new List<(SourceItemInput Item, List<Assignment> Assignments, DateTimeOffset Due, string Urgency, string Territory)>();
        for (var i = 0; i < inputs.Length; i++)
        {
            var item = inputs[i];
            var f = $"items[{i}].";
            if (item is null) return Error.Validation($"items[{i}] is required / 事项不能为空");
            if (Text.OrNull(item.Title) is not { Length: <= 200 }) return Error.Validation($"{f}title is required, at most 200 characters / 请填写事项标题");
            if (item.Content is { Length: > 20_000 }) return Error.Validation($"{f}content is at most 20000 characters");
            if (Text.HasControlCharacters(item.Title, item.Content)) return Error.Validation($"{f}title and content may not hold control characters");
            var lead = Text.OrNull(item.LeadUnitCode);
            if (lead is null) return Error.Validation($"{f}leadUnitCode is required / 请指定主办单位");
            var leadUnit = await units.FindAsync(lead, ct);
            if (leadUnit is null) return Error.Validation($"{f}leadUnitCode: unit {lead} does not exist / 单位 {lead} 不存在");
            // The territory the task belongs to: its lead unit's (a county department's tasks count for its county).
            var built = await Assignments.BuildAsync(units, Matter.CountyOf(leadUnit.TerritoryCode), null, lead, item.CoUnitCodes, now, f, ct);
            if (!built.IsSuccess) return built.Error!;
            if (Text.OrNull(item.DueDate) is not { } dueText) return Error.Validation($"{f}dueDate is required, yyyy-MM-dd / 请填写办理期限");
            if (ParseDate(dueText) is not { } dueDate) return Error.Validation($"{f}dueDate must be a date, yyyy-MM-dd / 期限格式应为 yyyy-MM-dd");
            if (dueDate < today) return Error.Validation($"{f}dueDate is in the past / 办理期限不能早于今天");
            if (item.Weight is < 1 or > 100) return Error.Validation($"{f}weight is 1 to 100 / 权重为1至100");
            var urgency = Text.OrNull(item.Urgency) ?? "normal";
            if (!Vocabulary.Urgencies.Contains(urgency)) return Error.Validation($"{f}urgency must be one of {string.Join(", ", Vocabulary.Urgencies)}");
            checkedItems.Add((item, built.Value!, Clock.StartOfChinaDay(dueDate.AddDays(1)), urgency, leadUnit.TerritoryCode));
        }
        if (checkedItems.Count == 0) return new List<Matter>();
        var allocated = await numbers.NextAsync(now, checkedItems.Count, ct);
        var matters = new List<Matter>();
        for (var i = 0; i < checkedItems.Count; i++)
        {
            var (item, assignments, due, urgency, territory) = checkedItems[i];
            matters.Add(NewTasks.Create(clock, allocated[i], actor, now, new NewTask(item.Title!.Trim(),
                Text.OrNull(item.Content) ?? source.Title, source.Type, assignments, clock.DefaultPolicy("task", urgency), due)
            {
                TerritoryCode = territory,
                Urgency = urgency,
                Confidential = source.Confidential,
                Weight = item.Weight ?? 1,
            }));
        }
        return matters;
    }

    /// <summary>
    /// Adds the matters and their links to the source, numbered on from <paramref name="seq"/>; the facet knows them as
    /// items, and their units hear they have them (Features/Notifications, AssignmentNotices).
    /// </summary>
    private async Task<List<Matter>> LinkAsync(Source source, List<Matter> matters, int seq, CancellationToken ct)
    {
        foreach (var m in matters)
        {
            db.Matters.Add(m);
            db.Set<SourceItem>().Add(new SourceItem { MatterId = m.Id, SourceId = source.Id, Seq = ++seq });
            SourceFacet.Of(m).Link = new SourceLink(source.Id, source.Type, source.Title, source.OwnerUnitCode, source.Confidential);
            await Notifications.AssignmentNotices.AddAsync(notifier, units, m, m.Assignments, ct);
        }
        return matters;
    }

    private IEnumerable<AuditEvent> ItemEvents(Source source, List<Matter> matters, Actor actor) => matters.Select(m =>
    {
        var data = MatterWorkflow.Snapshot(m, facets);
        return new AuditEvent(actor, ItemRegistered, new JsonObject { ["after"] = data, ["source"] = source.Id }, Matter: m, ToStatus: m.Status);
    });

    private static JsonObject Describe(Source s) => new()
    {
        ["source"] = s.Id,
        ["type"] = s.Type,
        ["title"] = s.Title,
        ["owner"] = s.OwnerUnitCode,
        ["status"] = s.Status,
    };

    private static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year is > 1900 and < 9999 ? d : null;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
}
