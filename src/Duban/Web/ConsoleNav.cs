using Duban.Common;
using Duban.Features.Matters;

namespace Duban.Web;

/// <summary>
/// A module's entry in the console's main navigation (督办来源, 建议提案…), drawn after the core's own
/// entries, in the order registered, to the accounts <paramref name="Shows"/> lets see it.
/// </summary>
public sealed record ConsoleNavEntry(string Href, Bilingual Label, Func<Actor, bool> Shows);

public static class ConsoleNavRegistrations
{
    /// <summary>Adds a module's page to the console's navigation: one line in its services, the layout untouched.</summary>
    public static IServiceCollection AddConsoleNav(this IServiceCollection services, ConsoleNavEntry entry)
    {
        services.AddSingleton(entry);
        return services;
    }
}
