namespace Duban.Common;

public static class Roles
{
    public const string Admin = "admin";
    public const string Dispatcher = "dispatcher";
    public const string Supervisor = "supervisor";
    public const string Handler = "handler";
    public const string Leader = "leader";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Admin, Dispatcher, Supervisor, Handler, Leader,
    };
}

/// <summary>
/// The person acting, with their unit, as established by authentication. <paramref name="UnitChain"/>
/// is the actor's unit and every unit above it: a report about any of them is a report about the
/// actor's own organisation, which must never learn who made it.
/// </summary>
public sealed record Actor(long? Id, string Username, string DisplayName, string UnitCode, string UnitKind,
    string TerritoryCode, IReadOnlySet<string> Roles, IReadOnlyList<string> UnitChain)
{
    public bool Has(string role) => Roles.Contains(role);
    public bool HasAny(params ReadOnlySpan<string> roles)
    {
        foreach (var r in roles)
        {
            if (Roles.Contains(r)) return true;
        }
        return false;
    }

    /// <summary>The system itself (demo seeding, background jobs).</summary>
    public static Actor System(string unitCode = "", string territory = "") =>
        new(null, "system", "系统", unitCode, "", territory, new HashSet<string>(StringComparer.Ordinal) { Common.Roles.Admin }, []);

    /// <summary>A citizen acting through the public portal with a receipt and its query code.</summary>
    public static readonly Actor Public = new(null, "public", "群众", "", "", "", new HashSet<string>(StringComparer.Ordinal), []);
}
