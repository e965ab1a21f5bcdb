using System.Text.Json;
using System.Text.Json.Nodes;

namespace Duban.Features.Geo;

/// <summary>geo resolve: one text a line on standard input, one JSON object a line on standard output.</summary>
public static class GeoCli
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    public static async Task<int> ResolveAsync(IServiceProvider services, Hosting.CliCall call)
    {
        var geo = services.GetRequiredService<GeoService>();
        await geo.RefreshAliasesAsync(force: true);
        return await ResolveLinesAsync(geo.Gazetteer, Console.In, Console.Out, explain: call.Has("--explain"));
    }

    public static async Task<int> ResolveLinesAsync(Gazetteer gazetteer, TextReader input, TextWriter output, bool explain = false)
    {
        while (await input.ReadLineAsync() is { } line)
        {
            var m = gazetteer.Resolve(line);
            var o = new JsonObject
            {
                ["input"] = line,
                ["code"] = m.Code,
                ["level"] = m.Level,
                ["path"] = new JsonArray(m.Path.Select(p => (JsonNode?)p).ToArray()),
                ["confidence"] = m.Confidence,
            };
            if (explain)
            {
                o["readings"] = new JsonArray(gazetteer.Explain(line).Take(10)
                    .Select(r => (JsonNode?)new JsonObject { ["code"] = r.Code, ["path"] = r.Path, ["score"] = r.Score }).ToArray());
            }
            await output.WriteLineAsync(o.ToJsonString(Json));
        }
        return 0;
    }
}
