using Duban.Common;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Matters;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Dispatching;

/// <summary>
/// The body of PUT /api/v1/dispatch/catalogue: the whole new catalogue, the version it was edited
/// from (optional; another version in force meanwhile is a 409, so two administrators never
/// overwrite each other unknowingly) and a note for the record.
/// </summary>
public sealed record CatalogueRequest(int? BaseVersion, string? Name, IReadOnlyList<CategoryNode>? Categories, string? Note);

/// <summary>
/// A new version of the catalogue, by a city-wide administrator: the catalogue decides where every
/// matter of the city is sent, so a county's administrator does not change it (as for place
/// aliases, Features/Geo). Validated against the units known (every owner a real department key),
/// saved as the next version with a catalogue_updated event, as one audited change.
/// </summary>
public sealed class CatalogueUpdate(DubanDb db, AuditedChange change, CatalogueStore store, UnitDirectory units, MatterScope scope)
{
    public async Task<Result<CatalogueVersion>> ExecuteAsync(CatalogueRequest request, Actor actor, CancellationToken ct)
    {
        if (!(actor.Has(Roles.Admin) && scope.IsCityWide(actor)))
            return Error.Forbidden("只有市级管理员可以修改派单目录 / only the city's administrators change the dispatch catalogue");
        if (Text.HasControlCharactersIn(request)) return Error.Validation("text may not contain control characters / 文本含有非法控制字符");
        var note = Text.OrNull(request.Note);
        if (note is { Length: > 200 }) return Error.Validation("note is at most 200 characters / 说明过长");
        var document = new CatalogueDocument(request.Name, request.Categories);
        var keys = Catalogue.DepartmentKeys((await units.AllAsync(ct)).Values);
        if (Catalogue.Validate(document, keys) is { } invalid) return invalid;
        var catalogue = Catalogue.From(document);

        return await change.RunAsync<CatalogueVersion>(async () =>
        {
            // The shipped catalogue is version 1 even when nobody used it before this change.
            var (current, seeded) = await store.SaveShippedIfNoneAsync(db, ct);
            if (request.BaseVersion is { } seen && seen != current.Version)
                return Error.Conflict("stale_version", $"派单目录已是第 {current.Version} 版（您编辑的是第 {seen} 版），请刷新后重试 / the catalogue is at version {current.Version}, not {seen}");
            if (Catalogue.Hash(catalogue.ToJson()) == current.Hash)
                return Error.Conflict("no_change", $"与第 {current.Version} 版相同 / the same as version {current.Version}");
            var (saved, updated) = await store.SaveAsync(db, actor, current.Version + 1, catalogue, note, "api", ct);
            return new ChangeMade<CatalogueVersion>(saved, [.. seeded, updated], [store.Cache]);
        }, ct);
    }
}
