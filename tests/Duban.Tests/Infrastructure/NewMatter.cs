using System.Text.Json.Nodes;

namespace Duban.Tests.Infrastructure;

/// <summary>
/// A matter as <c>POST /api/v1/matters</c> takes it: the one place that knows the request's shape,
/// and the stock cases the tests start from (a noise complaint in 外海, a wage complaint in 台城, a
/// confidential report about a unit, a petition, a task...). A case is changed with its methods or
/// <c>with</c>; <see cref="Body"/> is the request, with the fields left unset left out.
/// </summary>
public sealed record NewMatter(string Kind, string Title, string Content)
{
    public string Channel { get; init; } = "phone";
    public string? Location { get; init; }
    public string? Category { get; init; }
    public string? Urgency { get; init; }
    public DateTimeOffset? ReceivedAt { get; init; }
    public bool Anonymous { get; init; }
    public Person? Raiser { get; init; }
    public string? SubjectUnitCode { get; init; }
    public string? SubjectPerson { get; init; }

    /// <summary>Unset: as the kind has it (a report is confidential unless staff say otherwise).</summary>
    public bool? Confidential { get; init; }

    /// <summary>Unset: resolved from the location, the title or the content (or the registrar's own territory below the city).</summary>
    public string? TerritoryCode { get; init; }

    public sealed record Person(string Name, string Phone);

    /// <summary>外海街道 night-time building noise, raised by 陈美玲 (13800138000): what <see cref="Api.Matter"/> registers.</summary>
    public static NewMatter Noise(string title = "外海街道龙溪路夜间施工噪音扰民", string? territory = "440704", string kind = "complaint") =>
        new(kind, title, "龙溪路工地每晚施工到凌晨两点，噪音严重影响附近居民休息，请尽快处理。")
        {
            Location = "江海区外海街道龙溪路88号",
            Category = "环境保护",
            Raiser = new("陈美玲", "13800138000"),
            TerritoryCode = territory,
        };

    /// <summary>A factory in 台城街道 (台山) not paying wages, raised by phone by 黄秀英 (13922223333); routed to 台山市人社局.</summary>
    public static NewMatter Wages(string title = "台城某工厂拖欠工资", string content = "老板拖欠三个月工资不发。") =>
        new("complaint", title, content) { Location = "台山市台城街道", Raiser = new("黄秀英", "13922223333") };

    /// <summary>A petition (信访) about wages in 台城: the petition policy's acceptance deadline, 60 days to handle, reviews.</summary>
    public static NewMatter Petition(string title = "信访：工厂拖欠工资") => Wages(title) with { Kind = "petition" };

    /// <summary>A report (举报) about a unit: confidential by its kind, never shown to the unit nor dispatched to it.</summary>
    public static NewMatter Report(string subjectUnit, string title = "反映某单位负责人违规", string content = "本人是该单位职员，反映领导违规发放津贴。") =>
        new("report", title, content) { Raiser = new("张某", "13600000001"), SubjectUnitCode = subjectUnit };

    /// <summary>A task (督办任务) set at a meeting: no raiser, no place of its own.</summary>
    public static NewMatter Task(string title = "川岛快递过海费专项整治", string content = "梳理堵点，逐项交办。", string? category = "邮政快递") =>
        new("task", title, content) { Channel = "meeting", Category = category };

    /// <summary>An enterprise's demand (企业诉求) from a visit to a firm in 台山.</summary>
    public static NewMatter EnterpriseDemand(string title = "台山某制造企业用工招聘难") =>
        new("enterprise_demand", title, "企业扩产需新增技术工人80名，希望协助对接职业院校和招聘渠道。")
        {
            Channel = "visit",
            Location = "台山市台城街道",
            Raiser = new("李经理", "13500135000"),
            TerritoryCode = "440781",
        };

    /// <summary>A people's deputy's suggestion (人大代表建议): three months to answer.</summary>
    public static NewMatter DeputySuggestion(string title = "关于加快川岛镇渡口设施改造的建议") =>
        new("deputy_suggestion", title, "川岛镇渡口候船设施老旧，建议纳入年度民生实事加快改造。") { Channel = "letter", TerritoryCode = "440781115" };

    /// <summary>An anonymous call with only what the lists and counts read: "请尽快处理。" in a place, under a category.</summary>
    public static NewMatter Plain(string title, string? territory = null, string? category = null) =>
        new("complaint", title, "请尽快处理。") { Category = category, TerritoryCode = territory, Anonymous = true };

    public NewMatter OfKind(string kind) => this with { Kind = kind };

    /// <summary>Arrived by this channel (phone, letter, visit, web, meeting...).</summary>
    public NewMatter Via(string channel) => this with { Channel = channel };

    public NewMatter In(string? territory) => this with { TerritoryCode = territory };

    public NewMatter At(string? location) => this with { Location = location };

    public NewMatter About(string? unit, string? person = null) => this with { SubjectUnitCode = unit, SubjectPerson = person };

    /// <summary>Confidential or not, as staff say (a report is confidential unless they say otherwise).</summary>
    public NewMatter Marked(bool confidential) => this with { Confidential = confidential };

    public NewMatter From(string name, string phone) => this with { Raiser = new(name, phone), Anonymous = false };

    public NewMatter Unnamed() => this with { Raiser = null, Anonymous = true };

    public NewMatter ReceivedOn(DateTimeOffset? at) => this with { ReceivedAt = at };

    /// <summary>The request body.</summary>
    public JsonObject Body()
    {
        var body = new JsonObject { ["kind"] = Kind, ["channel"] = Channel, ["title"] = Title, ["content"] = Content };
        void Add(string name, JsonNode? value)
        {
            if (value is not null) body[name] = value;
        }
        Add("location", Location);
        Add("category", Category);
        Add("urgency", Urgency);
        Add("receivedAt", ReceivedAt is { } at ? JsonValue.Create(at) : null);
        if (Anonymous) body["anonymous"] = true;
        Add("raiser", Raiser is { } r ? new JsonObject { ["name"] = r.Name, ["phone"] = r.Phone } : null);
        Add("subjectUnitCode", SubjectUnitCode);
        Add("subjectPerson", SubjectPerson);
        Add("confidential", Confidential is { } c ? JsonValue.Create(c) : null);
        Add("territoryCode", TerritoryCode);
        return body;
    }
}
