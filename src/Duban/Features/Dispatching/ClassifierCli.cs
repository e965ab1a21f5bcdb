using System.Text.Json;
using System.Text.Json.Nodes;

namespace Duban.Features.Dispatching;

/// <summary>dispatch classify --train FILE.csv: trains on label,text rows, then answers texts on standard input.</summary>
public static class ClassifierCli
{
    /// <summary>EX_USAGE (sysexits.h): the command was used wrongly or its input file is not what it needs.</summary>
    public const int UsageError = 64;

    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    /// <summary>
    /// One text a line in, one JSON object a line out:
    /// {"category","confidence","alternatives":[{"category","confidence"}, ...]} (the next three
    /// categories, best first), confidences cut (not rounded) to four decimals. A blank line is
    /// answered {"category":null,"confidence":0,"alternatives":[]}, so answers stay line for line.
    /// </summary>
    public static Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        return RunAsync(Hosting.Cli.Option(args, "--train"), input, output, error);
    }

    /// <summary>The same with the training file named (<c>--train</c>, as the command line's parser read it).</summary>
    public static async Task<int> RunAsync(string? path, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (path is null)
        {
            await error.WriteLineAsync("usage: dispatch classify --train FILE.csv   (FILE.csv: a header row label,text, then one categorised text a row; texts to classify on standard input, one a line)");
            return UsageError;
        }
        ClassifierCsvResult read;
        try
        {
            using var reader = new StreamReader(path);
            read = ClassifierCsv.ReadExamples(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"dispatch classify: cannot read {path}: {e.Message}");
            return UsageError;
        }
        if (read.Error is not null)
        {
            await error.WriteLineAsync($"dispatch classify: {path}: {read.Error}");
            return UsageError;
        }
        var categories = read.Rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Count();
        if (categories < 2)
        {
            await error.WriteLineAsync($"dispatch classify: {path}: {read.Rows.Count} labelled row(s) in {categories} category: at least two categories are needed");
            return UsageError;
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var model = CategoryClassifier.Train(read.Rows);
        await error.WriteLineAsync(FormattableString.Invariant(
            $"dispatch classify: trained on {read.Rows.Count:N0} texts in {categories} categories in {watch.Elapsed.TotalSeconds:F1} s{(read.Skipped > 0 ? $" ({read.Skipped} rows without label or text skipped)" : "")}"));

        while (await input.ReadLineAsync() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                await output.WriteLineAsync("""{"category":null,"confidence":0,"alternatives":[]}""");
                continue;
            }
            var p = model.Predict(line);
            var o = new JsonObject
            {
                ["category"] = p.Category,
                ["confidence"] = Cut(p.Confidence),
                ["alternatives"] = new JsonArray(p.Alternatives
                    .Select(a => (JsonNode?)new JsonObject { ["category"] = a.Category, ["confidence"] = Cut(a.Confidence) }).ToArray()),
            };
            await output.WriteLineAsync(o.ToJsonString(Json));
        }
        return 0;
    }

    private static double Cut(double confidence) => Math.Round(confidence, 4, MidpointRounding.ToZero);
}
