using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Features.Geo;
using Duban.Features.Matters;
using Duban.Features.Units;

namespace Duban.Features.Dispatching;

/// <summary>dispatch suggest: JSON lines of matters on standard input, one routing suggestion a line out.</summary>
public static class DispatchCli
{
    /// <summary>
    /// One matter a line: <c>kind</c>, <c>title</c>, <c>content</c>, <c>location</c>, <c>subject</c>
    /// (the unit or person reported on, by name: 市委党校), <c>receivedAt</c> (ISO 8601; a bare date
    /// is a day in China; default now); optionally <c>category</c>, <c>territoryCode</c> and
    /// <c>confidential</c> (a report is confidential unless it says false).
    /// </summary>
    public sealed record SuggestLine(string? Kind, string? Title, string? Content, string? Location, string? Subject, string? ReceivedAt,
        string? Category, string? TerritoryCode, bool? Confidential);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // A terminal's or a pipe's text, not HTML: Chinese, quotes and apostrophes as themselves.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<int> SuggestAsync(IServiceProvider services, Hosting.CliCall call)
    {
        // Reads only: the catalogue and the rounds in force in the database, else the shipped ones; the database's
        // units, else the built-in Jiangmen units (a database without the demo).
        var geo = services.GetRequiredService<GeoService>();
        await geo.RefreshAliasesAsync(force: true);
        var store = services.GetRequiredService<CatalogueStore>();
        var catalogue = (await store.CurrentAsync(CancellationToken.None) ?? store.Shipped).Catalogue;
        var units = (await services.GetRequiredService<UnitDirectory>().AllAsync()).Values.ToList();
        if (units.Count == 0)
        {
            units = [.. ImportUnits.ReadBuiltIn().Select(u => new UnitInfo(u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email))];
        }
        var home = services.GetRequiredService<IConfiguration>()["Duban:HomeDivision"] ?? "440700";
        var rounds = await services.GetRequiredService<Rounds.RoundStore>().CurrentAsync(CancellationToken.None);
        var router = DispatchSuggestions.Router(geo, home, services.GetRequiredService<ICategorySuggester>(), catalogue, units, rounds);
        var now = services.GetRequiredService<TimeProvider>().Now();
        return await SuggestLinesAsync(router, (l, t, c) => DispatchSuggestions.Resolve(geo, l, t, c), now, Console.In, Console.Out);
    }

    public static async Task<int> SuggestLinesAsync(DispatchRouter router, Func<string?, string?, string?, (string? Code, double Confidence)> resolve,
        DateTimeOffset now, TextReader input, TextWriter output)
    {
        while (await input.ReadLineAsync() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode answer;
            try
            {
                answer = JsonSerializer.SerializeToNode(Suggest(router, resolve, now, line), Json)!;
            }
            catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
            {
                answer = new JsonObject { ["input"] = line, ["error"] = e.Message };
            }
            await output.WriteLineAsync(answer.ToJsonString(Json));
        }
        return 0;
    }

    private static DispatchSuggestion Suggest(DispatchRouter router, Func<string?, string?, string?, (string? Code, double Confidence)> resolve,
        DateTimeOffset now, string line)
    {
        var m = JsonSerializer.Deserialize<SuggestLine>(line, Json) ?? throw new JsonException("a line holds one JSON object");
        if (Text.OrNull(m.Title) is null && Text.OrNull(m.Content) is null) throw new ArgumentException("title or content is required");
        if (Text.HasControlCharacters(m.Kind, m.Title, m.Content, m.Location, m.Subject, m.Category, m.TerritoryCode))
            throw new ArgumentException("text may not contain control characters");
        var kind = Text.OrNull(m.Kind) ?? "complaint";
        var (territory, confidence) = Text.OrNull(m.TerritoryCode) is { } code ? (code, 1.0) : resolve(m.Location, m.Title, m.Content);
        var input = new RoutingInput(kind, m.Title, m.Content, m.Category, territory, confidence, null, Text.OrNull(m.Subject),
            m.Confidential ?? MatterKinds.CoreTraits(kind)?.ConfidentialByDefault == true, ReceivedAt(m.ReceivedAt, now));
        return router.Route(input);
    }

    /// <summary>ISO 8601; a date alone is that day in China (the round's periods are Chinese dates).</summary>
    private static DateTimeOffset ReceivedAt(string? text, DateTimeOffset now)
    {
        if (Text.OrNull(text) is not { } value) return now;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), Clock.ChinaOffset);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
        throw new FormatException($"receivedAt {value} is not an ISO 8601 date or time");
    }
}
