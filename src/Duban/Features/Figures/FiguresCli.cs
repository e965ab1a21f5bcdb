using System.Text.Json;
using Duban.Common;
using Duban.Features.Matters;
using Duban.Hosting;

namespace Duban.Features.Figures;

/// <summary>figures --period 2026-11 [--rank county|town|department] [--kind K] [--channel C] [--format json|csv|xlsx] [--out FILE]: the ranking, as the city sees it.</summary>
public static class FiguresCli
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    public static async Task<int> RunAsync(IServiceProvider services, CliCall call)
    {
        var format = (call.Value("--format") ?? "json").ToLowerInvariant();
        var output = call.Value("--out");
        if (format is not ("json" or "csv" or "xlsx"))
        {
            await Console.Error.WriteLineAsync("--format is json, csv or xlsx");
            return 64;
        }
        if (format == "xlsx" && output is null)
        {
            await Console.Error.WriteLineAsync("--format xlsx needs --out FILE");
            return 64;
        }
        // The city's view: every matter, as a city-level administrator sees it.
        var home = services.GetRequiredService<IConfiguration>()["Duban:HomeDivision"] ?? "440700";
        var result = await services.GetRequiredService<UnitFigures>().RankAsync(call.Value("--period"), call.Value("--rank"),
            call.Value("--kind"), call.Value("--channel"), Actor.System(territory: home), CancellationToken.None);
        if (!result.IsSuccess)
        {
            await Console.Error.WriteLineAsync(result.Error!.Message);
            return 64;
        }
        var bytes = format switch
        {
            "csv" => FiguresExport.Csv(result.Value!),
            "xlsx" => FiguresExport.Xlsx(result.Value!, services.GetRequiredService<MatterKinds>(), services.GetRequiredService<MatterChannels>()),
            _ => JsonSerializer.SerializeToUtf8Bytes(result.Value, Json),
        };
        if (output is null)
        {
            // Text on standard output (CSV without the byte-order mark a file gets).
            await Console.Out.WriteLineAsync(new System.Text.UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF').TrimEnd());
            return 0;
        }
        try
        {
            await File.WriteAllBytesAsync(output, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"cannot write {output}: {e.Message}");
            return 73;
        }
        Console.WriteLine($"wrote {result.Value!.Rows.Count} rows for {result.Value.Period} to {output}");
        return 0;
    }
}
