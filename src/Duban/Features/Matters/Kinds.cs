namespace Duban.Features.Matters;

/// <summary>
/// What a kind of matter is, in one place instead of checks of its name scattered through the code.
/// </summary>
/// <param name="Kind">Its name in the API (complaint, report…).</param>
/// <param name="Label">Its name for people.</param>
/// <param name="Public">Citizens raise it on the portal (the report form offers it, the public API takes it).</param>
/// <param name="ConfidentialByDefault">Registered confidential unless staff say otherwise, and never dispatched automatically.</param>
/// <param name="Misconduct">A report of misconduct (举报): it may name the unit or person it is about, and is routed to the discipline bodies when it does.</param>
/// <param name="TimePolicy">The time-limit policy it runs under when no policy in force names its kind (null: the policy file's catch-all).</param>
/// <param name="Facets">The facets it carries (null: every registered one).</param>
/// <param name="Actions">The actions it offers (null: every registered one).</param>
public sealed record KindTraits(string Kind, Bilingual Label, bool Public, bool ConfidentialByDefault = false, bool Misconduct = false,
    string? TimePolicy = null, IReadOnlySet<string>? Facets = null, IReadOnlySet<string>? Actions = null)
{
    public bool HasFacet(string facet) => Facets is null || Facets.Contains(facet);

    public bool Offers(string action) => Actions is null || Actions.Contains(action);
}

/// <summary>A kind registered by the core or a module.</summary>
public sealed record KindRegistration(KindTraits Traits);

/// <summary>
/// A module's limit on the actions of a kind it builds on (a kind the core registers, as the proposals' are): the only
/// actions, the core's, its own and other modules', that matters of that kind take. Registered with
/// <see cref="MatterKindRegistration.LimitKindActions"/>; limits on one kind, and the kind's own
/// <see cref="KindTraits.Actions"/>, intersect. An action outside it is neither offered (availableActions, the pages)
/// nor run (<see cref="MatterWorkflow"/>: 409 <c>not_for_kind</c> naming the action), whoever asks.
/// </summary>
public sealed record KindActionLimit(string Kind, IReadOnlySet<string> Actions);

/// <summary>The kinds of matter, registered: their traits by name, in registration order, each with the modules' limits on its actions.</summary>
public sealed class MatterKinds(IEnumerable<KindRegistration> kinds, IEnumerable<KindActionLimit>? limits = null)
{
    public const string Report = "report";

    /// <summary>The core's kinds, in the order the portal's report form offers the public ones.</summary>
    public static readonly IReadOnlyList<KindTraits> Core =
    [
        new("complaint", new("投诉", "Complaint"), Public: true),
        new("request", new("求助", "Request for help"), Public: true),
        new("suggestion", new("建议", "Suggestion"), Public: true),
        new(Report, new("举报", "Report of misconduct"), Public: true, ConfidentialByDefault: true, Misconduct: true),
        new("petition", new("信访", "Petition"), Public: true),
        new("enterprise_demand", new("企业诉求", "Enterprise demand"), Public: true),
        new("task", new("督办任务", "Task"), Public: false),
        new("deputy_suggestion", new("人大代表建议", "Deputy's suggestion"), Public: false),
        new("cppcc_proposal", new("政协提案", "CPPCC proposal"), Public: false),
    ];

    /// <summary>
    /// A core kind's traits, for rules that run without the registry (the routing's pure rules, the
    /// CLI's suggestion file): a module's kinds are not reports of misconduct, nor confidential by default.
    /// </summary>
    public static KindTraits? CoreTraits(string? kind) => Core.FirstOrDefault(k => k.Kind == kind);

    /// <summary>The modules' limits on the kinds' actions, as registered (the action registry checks that they name registered actions).</summary>
    public IReadOnlyList<KindActionLimit> Limits { get; } = [.. limits ?? []];

    private readonly Dictionary<string, KindTraits> byName = Limited(kinds, limits).ToDictionary(k => k.Kind, StringComparer.Ordinal);

    public IReadOnlyList<KindTraits> All { get; } = [.. Limited(kinds, limits)];

    /// <summary>Each kind's traits with the limits on its actions applied: the intersection of its own list and every limit.</summary>
    private static IEnumerable<KindTraits> Limited(IEnumerable<KindRegistration> kinds, IEnumerable<KindActionLimit>? limits)
    {
        var byKind = (limits ?? []).ToLookup(l => l.Kind, StringComparer.Ordinal);
        foreach (var k in kinds.Select(k => k.Traits))
        {
            IReadOnlySet<string>? actions = k.Actions;
            foreach (var limit in byKind[k.Kind])
                actions = actions is null ? new HashSet<string>(limit.Actions, StringComparer.Ordinal) : actions.Where(limit.Actions.Contains).ToHashSet(StringComparer.Ordinal);
            yield return actions == k.Actions ? k : k with { Actions = actions };
        }
    }

    public KindTraits? Find(string? kind) => kind is null ? null : byName.GetValueOrDefault(kind);

    public bool IsKind(string? kind) => kind is not null && byName.ContainsKey(kind);

    /// <summary>
    /// A <c>?kind=</c> filter, read the same way wherever one is taken (the lists, their export, the
    /// figures): blank is no filter (null), an unknown kind a 400 naming the field and the kinds there are.
    /// </summary>
    public Common.Error? Filter(string? text, out string? kind)
    {
        kind = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        return kind is null || IsKind(kind)
            ? null
            : Common.Error.Validation($"kind must be one of {string.Join(", ", All.Select(k => k.Kind))} / 事项类型不存在");
    }

    public bool IsPublic(string? kind) => Find(kind)?.Public == true;

    public bool ConfidentialByDefault(string? kind) => Find(kind)?.ConfidentialByDefault == true;

    public bool Misconduct(string? kind) => Find(kind)?.Misconduct == true;

    /// <summary>Whether any kind limits its actions: only then does an action's route ask the matter's kind.</summary>
    public bool AnyLimitsActions => All.Any(k => k.Actions is not null);

    /// <summary>Refuses an action its kind does not offer (<see cref="KindTraits.Actions"/>), or null.</summary>
    public Common.Error? Refuses(string kind, string action) => Find(kind) is { } traits && !traits.Offers(action)
        ? Common.Error.Conflict("not_for_kind", $"「{traits.Label.Zh}」类事项没有「{action}」操作 / a {kind} does not take {action}")
        : null;

    /// <summary>Its name for people in the current language, or the kind itself.</summary>
    public string Label(string kind) => Find(kind)?.Label.Current ?? kind;
}

/// <summary>A channel by which matters come in (电话, 来信, 会议…), registered by the core or a module.</summary>
public sealed record ChannelRegistration(string Channel, Bilingual Label);

/// <summary>The channels matters come by: the core's and the modules' (a source's items carry its type as their channel).</summary>
public sealed class MatterChannels(IEnumerable<ChannelRegistration> channels)
{
    /// <summary>The core's channels: those a registration may name (<see cref="Vocabulary.Channels"/>), with their labels.</summary>
    public static readonly IReadOnlyList<ChannelRegistration> Core =
    [
        new("web", new("网上", "Web")),
        new("phone", new("电话", "Phone")),
        new("letter", new("来信", "Letter")),
        new("visit", new("来访", "Visit")),
        new("email", new("电子邮件", "E-mail")),
        new("api", new("接口", "API")),
        new("meeting", new("会议", "Meeting")),
        new("instruction", new("领导批示", "Leader's instruction")),
    ];

    private readonly Dictionary<string, ChannelRegistration> byName = channels.DistinctBy(c => c.Channel).ToDictionary(c => c.Channel, StringComparer.Ordinal);

    public IReadOnlyList<ChannelRegistration> All { get; } = [.. channels.DistinctBy(c => c.Channel)];

    public bool IsChannel(string? channel) => channel is not null && byName.ContainsKey(channel);

    /// <summary>A <c>?channel=</c> filter, as <see cref="MatterKinds.Filter"/> reads a kind: blank is none, an unknown channel a 400 naming the field.</summary>
    public Common.Error? Filter(string? text, out string? channel)
    {
        channel = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        return channel is null || IsChannel(channel)
            ? null
            : Common.Error.Validation($"channel must be one of {string.Join(", ", All.Select(c => c.Channel))} / 来源渠道不存在");
    }

    /// <summary>Its Chinese name (the exports are in Chinese), or the channel itself.</summary>
    public string ChineseLabel(string channel) => byName.GetValueOrDefault(channel)?.Label.Zh ?? channel;

    /// <summary>Its name for people in the current language, or the channel itself.</summary>
    public string Label(string channel) => byName.GetValueOrDefault(channel)?.Label.Current ?? channel;
}

public static class MatterKindRegistration
{
    public static IServiceCollection AddMatterKind(this IServiceCollection services, KindTraits traits)
    {
        services.AddSingleton(new KindRegistration(traits));
        return services;
    }

    /// <summary>
    /// Limits the actions matters of <paramref name="kind"/> take to <paramref name="actions"/> (<see cref="KindActionLimit"/>): a
    /// module that builds on a core kind keeps the core's steps that go around its own life (approve, reject…) off it.
    /// </summary>
    public static IServiceCollection LimitKindActions(this IServiceCollection services, string kind, params IEnumerable<string> actions)
    {
        services.AddSingleton(new KindActionLimit(kind, actions.ToHashSet(StringComparer.Ordinal)));
        return services;
    }

    /// <summary>A channel a module's matters come by; one already registered (by the core or another module) is kept as it is.</summary>
    public static IServiceCollection AddMatterChannel(this IServiceCollection services, ChannelRegistration channel)
    {
        services.AddSingleton(channel);
        return services;
    }
}
