using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Duban.Features.Matters;

/// <summary>How far an extension may reach (from the deadline the policy first set), and how often.</summary>
public sealed record ExtensionLimit(TimeLimit Max, int Times);

/// <summary>复查/复核: asked for within a time after the reply, decided within a time, so many rounds.</summary>
public sealed record ReviewLimit(TimeLimit RequestWithin, TimeLimit DecideWithin, int Rounds);

/// <summary>
/// A time-limit policy (办理时限): which matters it governs, the limit of each stage, what may pause
/// its clock, and the rule it comes from. Shipped in data/supervision/policies.json.
/// </summary>
public sealed record TimePolicy(string Id, string Name, string? NameEn, string Rule, IReadOnlySet<string>? Kinds,
    IReadOnlySet<string>? Urgencies, bool MatchesAny, TimeLimit? Accept, TimeLimit Sign, TimeLimit Handle,
    ExtensionLimit? Extension, ReviewLimit? Review, TimeLimit? NotifyAcceptance, TimeLimit? NotifyOutcome,
    IReadOnlyList<string> Pauses)
{
    /// <summary>Chosen by kind and urgency; a policy with no match is only chosen by name (复杂诉求).</summary>
    public bool Governs(string kind, string urgency) =>
        MatchesAny && (Kinds is null || Kinds.Contains(kind)) && (Urgencies is null || Urgencies.Contains(urgency));
}

/// <summary>The policies in force, in the file's order, and the reasons a clock may pause.</summary>
public sealed class TimePolicies
{
    public TimePolicies(IReadOnlyList<TimePolicy> policies, IReadOnlyDictionary<string, (string Name, string? NameEn)> pauseKinds, int version)
    {
        All = policies;
        PauseKinds = pauseKinds;
        Version = version;
        byId = policies.ToDictionary(p => p.Id, StringComparer.Ordinal);
    }

    private readonly Dictionary<string, TimePolicy> byId;

    public IReadOnlyList<TimePolicy> All { get; }
    public IReadOnlyDictionary<string, (string Name, string? NameEn)> PauseKinds { get; }
    public int Version { get; }

    public TimePolicy? Find(string? id) => id is not null && byId.TryGetValue(id, out var p) ? p : null;

    /// <summary>The first policy that governs the kind and urgency; the file must end with one for everything.</summary>
    public TimePolicy For(string kind, string urgency) => All.First(p => p.Governs(kind, urgency));

    public const string ResourceName = "Duban.Supervision.policies.json";

    /// <summary>The shipped policies, or those of <paramref name="file"/> (Duban:Supervision:PolicyFile), checked against <paramref name="kinds"/> (default: the core's).</summary>
    public static TimePolicies Load(string? file, IReadOnlyCollection<string>? kinds = null)
    {
        var json = !string.IsNullOrWhiteSpace(file) ? File.ReadAllText(file) : Shipped();
        var problems = new List<string>();
        var parsed = Parse(json, problems, kinds);
        if (parsed is null || problems.Count > 0)
            throw new InvalidOperationException($"time-limit policies{(file is null ? "" : " in " + file)} are invalid / 办理时限策略有误: " + string.Join("; ", problems));
        return parsed;
    }

    /// <summary>The shipped policy file's text (data/supervision/policies.json, embedded).</summary>
    public static string Shipped()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException("the shipped time-limit policies are missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Reads and checks a policy file; every problem is reported, none thrown. <paramref name="knownKinds"/>
    /// are the kinds a policy may name and must all be governed (the registered kinds; default: the core's).
    /// </summary>
    public static TimePolicies? Parse(string json, List<string> problems, IReadOnlyCollection<string>? knownKinds = null)
    {
        knownKinds ??= [.. Matters.Vocabulary.Kinds];
        PolicyFile? doc;
        try
        {
            doc = JsonSerializer.Deserialize<PolicyFile>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            problems.Add("not valid JSON: " + e.Message);
            return null;
        }
        if (doc?.Policies is not { Count: > 0 })
        {
            problems.Add("policies: at least one is required");
            return null;
        }
        var pauseKinds = new Dictionary<string, (string, string?)>(StringComparer.Ordinal);
        foreach (var (id, kind) in doc.PauseKinds ?? [])
        {
            if (string.IsNullOrWhiteSpace(kind?.Name)) problems.Add($"pauseKinds.{id}.name is required");
            else pauseKinds[id] = (kind.Name, kind.NameEn);
        }
        var list = new List<TimePolicy>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < doc.Policies.Count; i++)
        {
            var p = doc.Policies[i];
            var at = $"policies[{i}]";
            if (string.IsNullOrWhiteSpace(p.Id) || p.Id.Length > 50) { problems.Add($"{at}.id is required, at most 50 characters"); continue; }
            at = $"policy {p.Id}";
            if (!ids.Add(p.Id)) problems.Add($"{at}: the id is used twice");
            if (string.IsNullOrWhiteSpace(p.Name)) problems.Add($"{at}.name is required");
            if (string.IsNullOrWhiteSpace(p.Rule)) problems.Add($"{at}.rule is required: cite the rule the limits come from");
            TimeLimit? Limit(string? text, string field, bool required)
            {
                if (text is null)
                {
                    if (required) problems.Add($"{at}.{field} is required");
                    return null;
                }
                if (TimeLimit.TryParse(text, out var limit)) return limit;
                problems.Add($"{at}.{field} \"{text}\" is not a time limit (30m, 2h, 7d, 15wd, 3mo; at most a year)");
                return null;
            }
            var sign = Limit(p.Sign, "sign", true);
            var handle = Limit(p.Handle, "handle", true);
            var accept = Limit(p.Accept, "accept", false);
            ExtensionLimit? extension = null;
            if (p.Extension is { } e)
            {
                var max = Limit(e.Max, "extension.max", true);
                if (e.Times is < 1 or > 10) problems.Add($"{at}.extension.times is 1 to 10");
                if (max is { } m) extension = new ExtensionLimit(m, e.Times);
            }
            ReviewLimit? review = null;
            if (p.Review is { } r)
            {
                var request = Limit(r.RequestWithin, "review.requestWithin", true);
                var decide = Limit(r.DecideWithin, "review.decideWithin", true);
                if (r.Rounds is < 1 or > 5) problems.Add($"{at}.review.rounds is 1 to 5");
                if (request is { } q && decide is { } d) review = new ReviewLimit(q, d, r.Rounds);
            }
            foreach (var pause in p.Pauses ?? [])
            {
                if (!pauseKinds.ContainsKey(pause)) problems.Add($"{at}.pauses: {pause} is not among pauseKinds");
            }
            var kinds = p.Match?.Kinds is { Count: > 0 } k ? new HashSet<string>(k, StringComparer.Ordinal) : null;
            foreach (var kind in kinds ?? [])
            {
                if (!knownKinds.Contains(kind)) problems.Add($"{at}.match.kinds: {kind} is not a kind of matter");
            }
            var urgencies = p.Match?.Urgencies is { Count: > 0 } u ? new HashSet<string>(u, StringComparer.Ordinal) : null;
            foreach (var urgency in urgencies ?? [])
            {
                if (!Matters.Vocabulary.Urgencies.Contains(urgency)) problems.Add($"{at}.match.urgencies: {urgency} is not an urgency");
            }
            if (sign is { } s && handle is { } h)
            {
                list.Add(new TimePolicy(p.Id, p.Name ?? p.Id, p.NameEn, p.Rule ?? "", kinds, urgencies, p.Match is not null,
                    accept, s, h, extension, review, Limit(p.NotifyAcceptance, "notifyAcceptance", false),
                    Limit(p.NotifyOutcome, "notifyOutcome", false), p.Pauses ?? []));
            }
        }
        if (list.Count > 0)
        {
            // Every matter must find a policy: the last one that matches must match everything.
            var missing = knownKinds.SelectMany(k => Matters.Vocabulary.Urgencies.Select(u => (k, u)))
                .Where(x => !list.Any(p => p.Governs(x.k, x.u))).Select(x => $"{x.k}/{x.u}").ToList();
            if (missing.Count > 0) problems.Add("no policy governs " + string.Join(", ", missing) + ": end the list with one whose match is {}");
        }
        return problems.Count > 0 ? null : new TimePolicies(list, pauseKinds, doc.Version);
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private sealed record PolicyFile(int Version, Dictionary<string, PauseKindJson?>? PauseKinds, List<PolicyJson>? Policies);
    private sealed record PauseKindJson(string? Name, string? NameEn);
    private sealed record MatchJson(List<string>? Kinds, List<string>? Urgencies);
    private sealed record ExtensionJson(string? Max, int Times);
    private sealed record ReviewJson(string? RequestWithin, string? DecideWithin, int Rounds);
    private sealed record PolicyJson(string? Id, string? Name, string? NameEn, MatchJson? Match, string? Accept, string? Sign, string? Handle,
        ExtensionJson? Extension, ReviewJson? Review, string? NotifyAcceptance, string? NotifyOutcome, List<string>? Pauses, string? Rule);
}
