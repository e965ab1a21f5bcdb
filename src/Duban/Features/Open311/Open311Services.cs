using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Duban.Features.Dispatching;
using Duban.Features.Matters;

namespace Duban.Features.Open311;

/// <summary>
/// The dispatch catalogue (派单目录, Features/Dispatching) as GeoReport v2 services: each second-level category
/// (and each first level without any) is a service, its first level the <c>group</c>, its keywords the
/// <c>keywords</c>. The discipline commission's categories are not offered: reports of misconduct come through
/// the portal's protected path. A <c>service_code</c> is the first 10 hex digits of the SHA-256 of the
/// category's path (城乡建设/路灯照明), so it stays the same across catalogue versions while the path does.
/// </summary>
public sealed class Open311Services(CatalogueStore catalogues, MatterKinds kinds)
{
    public sealed record Service(string Code, CatalogueEntry Entry)
    {
        public string Name => Entry.Subcategory ?? Entry.Category;
    }

    public static string CodeOf(string path) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..10];

    public async Task<IReadOnlyList<Service>> AllAsync(CancellationToken ct)
    {
        var catalogue = (await catalogues.CurrentAsync(ct) ?? catalogues.Shipped).Catalogue;
        return [.. catalogue.Entries
            .Where(e => !e.IsDiscipline && (e.Subcategory is not null || catalogue.Children(e.Category).Count == 0))
            .Select(e => new Service(CodeOf(e.Path), e))];
    }

    public async Task<Service?> FindAsync(string? code, CancellationToken ct) =>
        code is null ? null : (await AllAsync(ct)).FirstOrDefault(s => s.Code == code);

    /// <summary>The kinds an Open311 client may file (attribute <c>kind</c>): the public ones but the reports of misconduct.</summary>
    public IReadOnlyList<KindTraits> Kinds => [.. kinds.All.Where(k => k.Public && !k.Misconduct)];

    /// <summary>GET services: one object a service, in the specification's fields.</summary>
    public static JsonObject ToJson(Service s) => new()
    {
        ["service_code"] = s.Code,
        ["service_name"] = s.Name,
        ["description"] = s.Entry.Path,
        ["metadata"] = true,
        ["type"] = "realtime",
        ["keywords"] = string.Join(",", s.Entry.Keywords),
        ["group"] = s.Entry.Category,
    };

    /// <summary>
    /// GET services/{code}: the attributes every service takes: <c>kind</c> (投诉, 求助, 建议...; default complaint)
    /// and <c>title</c> (a short title; default the service's name and the start of the description).
    /// </summary>
    public JsonObject Definition(Service s) => new()
    {
        ["service_code"] = s.Code,
        ["attributes"] = new JsonArray(
            new JsonObject
            {
                ["variable"] = true,
                ["code"] = "kind",
                ["datatype"] = "singlevaluelist",
                ["required"] = false,
                ["datatype_description"] = "事项类型，默认投诉 / kind of matter, complaint by default",
                ["order"] = 1,
                ["description"] = "事项类型 / Kind",
                ["values"] = new JsonArray([.. Kinds.Select(k => (JsonNode)new JsonObject { ["key"] = k.Kind, ["name"] = k.Label.Zh + " / " + k.Label.En })]),
            },
            new JsonObject
            {
                ["variable"] = true,
                ["code"] = "title",
                ["datatype"] = "string",
                ["required"] = false,
                ["datatype_description"] = "不超过200字 / at most 200 characters",
                ["order"] = 2,
                ["description"] = "标题 / Title",
            }),
    };
}
