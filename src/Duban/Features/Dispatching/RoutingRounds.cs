using System.Reflection;
using System.Text.Json;
using Duban.Common;

namespace Duban.Features.Dispatching;

/// <summary>An inspection group of a round and the party organisations it inspects.</summary>
public sealed record InspectionGroup(string Code, IReadOnlyList<string> Inspects);

/// <summary>
/// An inspection round (巡察): its name, its period (local dates, both days included; the
/// announcement's wording in <see cref="Period"/>) and its groups. Shipped in
/// data/dispatch/rounds.json, kept by the city's administrators in the table inspection_rounds
/// (Features/Rounds), from which routing reads the rounds in force.
/// </summary>
public sealed record InspectionRound(string Name, DateOnly From, DateOnly To, string? Period, string? Source, IReadOnlyList<InspectionGroup> Groups)
{
    /// <summary>Was a matter received at <paramref name="at"/> received during the round (by the date in China)?</summary>
    public bool InForce(DateTimeOffset at)
    {
        var day = Clock.ChinaDate(at);
        return day >= From && day <= To;
    }

    public const string Resource = "Duban.Dispatch.rounds.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly Lazy<IReadOnlyList<InspectionRound>> shipped = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"resource {Resource} is missing from the build");
        return Read(stream);
    });

    /// <summary>The rounds shipped in data/dispatch/rounds.json.</summary>
    public static IReadOnlyList<InspectionRound> Shipped => shipped.Value;

    public static IReadOnlyList<InspectionRound> Read(Stream json) => JsonSerializer.Deserialize<List<InspectionRound>>(json, Json) ?? [];

    /// <summary>The groups as the table inspection_rounds stores them: <c>[{"code":…,"inspects":[…]}]</c>.</summary>
    public static string GroupsToJson(IReadOnlyList<InspectionGroup> groups) => JsonSerializer.Serialize(groups, Json);

    /// <summary>The groups from their stored JSON.</summary>
    public static IReadOnlyList<InspectionGroup> GroupsFromJson(string json) => JsonSerializer.Deserialize<List<InspectionGroup>>(json, Json) ?? [];
}
