using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Features.Matters;

namespace Duban.Features.Sources;

/// <summary>
/// A source type a module adds beside the four built in (a key project, an agreement): its name and label. The
/// module's <see cref="ISourceType"/> reads and checks its own fields of <c>POST /api/v1/sources</c> (the request's
/// <see cref="CreateSourceRequest.Extra"/>) and records its own rows in the source's audited change.
/// </summary>
public sealed record SourceTypeRegistration(string Type, Bilingual Label);

/// <summary>A module's part in creating a source of its type (scoped: it may use the DbContext).</summary>
public interface ISourceType
{
    string Type { get; }

    /// <summary>
    /// Checks the type's own fields before anything is saved: a refusal is a 400 naming the field, and nothing is kept. The
    /// part it returns records the module's rows once the source has its id, in the same transaction.
    /// </summary>
    Task<Result<SourceTypePart>> CheckAsync(CreateSourceRequest request, Actor actor, CancellationToken ct);
}

/// <summary>
/// What a source type adds to a creation: <paramref name="Audit"/>, kept in the <c>source_create</c> event's data
/// under the type's name (so the audit chain holds it), and <paramref name="Record"/>, which adds the module's rows for
/// the new source (saved with it).
/// </summary>
public sealed record SourceTypePart(JsonObject Audit, Func<Source, CancellationToken, Task> Record)
{
    /// <summary>
    /// Items the type derives from its own fields (an agreement's commitments, each a task for the committed party), made
    /// after the request's own items with the same checks and in the same change; <see cref="Record"/> finds them linked.
    /// </summary>
    public IReadOnlyList<SourceItemInput> Items { get; init; } = [];
}

/// <summary>Every source type, the built-in ones first, then those modules registered (<see cref="SourceTypeServices.AddSourceType{T}"/>).</summary>
public sealed class SourceTypeCatalog(IEnumerable<SourceTypeRegistration> added)
{
    public IReadOnlyList<(string Type, Bilingual Label)> All { get; } =
        [.. SourceTypes.All, .. added.Where(a => !SourceTypes.IsType(a.Type)).Select(a => (a.Type, a.Label))];

    public bool IsType(string? type) => All.Any(t => t.Type == type);

    /// <summary>Whether a module registered the type (its fields are the module's, not the built-in ones).</summary>
    public static bool IsBuiltIn(string type) => SourceTypes.IsType(type);

    public Bilingual Label(string type) => All.FirstOrDefault(t => t.Type == type).Label ?? new(type, type);

    public string Names => string.Join(", ", All.Select(t => t.Type));
}

public static class SourceTypeServices
{
    /// <summary>
    /// Registers a module's source type (once, from the module's own services): its label, its part in the creation, and
    /// its items' channel (the items of a source run on its type as their channel).
    /// </summary>
    public static IServiceCollection AddSourceType<T>(this IServiceCollection services, string type, Bilingual label) where T : class, ISourceType
    {
        services.AddSingleton(new SourceTypeRegistration(type, label));
        services.AddScoped<ISourceType, T>();
        services.AddMatterChannel(new ChannelRegistration(type, label));
        return services;
    }
}
