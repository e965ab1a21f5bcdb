using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Duban.Features.Geo;
using Duban.Hosting;

namespace Duban.Bench;

/// <summary>
/// `bench geo`: how long loading all of China takes, how often the resolver names the right
/// division on a labelled set generated from the data (<see cref="AddressSamples"/>), beside npm
/// address-parse on the same texts, and how many addresses a second it resolves on one thread.
/// Never run as a test (the accuracy floor is: GeoSamplesTests).
/// </summary>
internal static class GeoBench
{
    private const string HomeCity = "440700";
    private const double ExactGoal = 0.97;
    private const double CountyGoal = 0.995;
    private const double SpeedGoal = 50_000;
    private const double StartGoalMs = 1000;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var count = int.Parse(Cli.Option(args, "--count") ?? "20000", CultureInfo.InvariantCulture);
        var seed = int.Parse(Cli.Option(args, "--seed") ?? "20261122", CultureInfo.InvariantCulture);
        var failures = int.Parse(Cli.Option(args, "--failures") ?? "0", CultureInfo.InvariantCulture);
        if (count < 1) count = 1;
        void Line(FormattableString s) => output.WriteLine(s.ToString(CultureInfo.InvariantCulture));

        Line($"{BenchHost.Machine}");

        // Start-up: all of China read, indexed and ready, three times in this process.
        var loads = new double[3];
        long retained = 0;
        Gazetteer? gazetteer = null;
        for (var i = 0; i < loads.Length; i++)
        {
            gazetteer = null;
            var before = GC.GetTotalMemory(forceFullCollection: true);
            gazetteer = LoadFresh(HomeCity, out var elapsed);
            loads[i] = elapsed.TotalMilliseconds;
            if (i == 0) retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        }
        var g = gazetteer!;
        Line($"load all of China: {loads[0]:F0} ms (first, includes JIT), then {loads[1]:F0} ms and {loads[2]:F0} ms");
        Line($"  {g.Divisions.Count - 1:N0} divisions, {g.NameCount:N0} names indexed, {retained / 1048576.0:F0} MiB managed memory held, working set {Environment.WorkingSet / 1048576.0:F0} MiB");

        var watch = Stopwatch.StartNew();
        var oracle = new AddressSamples(g.Divisions, g.Forms, GeoData.ShippedAliases(), HomeCity);
        var samples = oracle.Generate(count, seed);
        Line($"labelled set: {count:N0} addresses, seed {seed}, home city {HomeCity} (generated and labelled in {watch.Elapsed.TotalSeconds:F1} s)");

        // Accuracy.
        var got = samples.Select(s => g.Resolve(s.Text).Code).ToArray();
        var scripts = ScriptsFolder();
        var (parsed, parseNote) = await AddressParseAsync(scripts, samples);
        var rows = new List<(string Name, int N, int Exact, int County, int Parsed)>();
        void Tally<TKey>(string title, Func<AddressSample, TKey> key) where TKey : notnull
        {
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title,-18} | {"samples",7} | {"exact",7} | {"county",7} | {"address-parse county",20}"));
            foreach (var group in Enumerable.Range(0, samples.Count).GroupBy(i => key(samples[i])).OrderBy(x => x.Key.ToString(), StringComparer.Ordinal))
            {
                var row = Score(oracle, samples, got, parsed, group.ToList());
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{group.Key,-18} | {row.N,7} | {Percent(row.Exact, row.N),7} | {Percent(row.County, row.N),7} | {(parsed is null ? "-" : Percent(row.Parsed, row.N)),20}"));
            }
        }
        var all = Score(oracle, samples, got, parsed, Enumerable.Range(0, samples.Count).ToList());
        output.WriteLine();
        Line($"accuracy on {all.N:N0} addresses: exact code {Percent(all.Exact, all.N)}, right county {Percent(all.County, all.N)}");
        Line($"  address-parse (npm {AddressParseVersion(scripts) ?? "?"}, county at most): right county {(parsed is null ? "-" : Percent(all.Parsed, all.N))}{parseNote}");
        Tally("form", s => s.Form);
        Tally("dress", s => s.Dress);

        // Speed: one thread, after warm-up, the median of three runs over the whole set.
        var texts = samples.Select(s => s.Text).ToArray();
        var passes = Math.Max(1, 200_000 / texts.Length);
        var sink = 0L;
        for (var w = 0; w < 2; w++) sink += LocateAll(g, texts);
        var locate = Median(3, () =>
        {
            var t = Stopwatch.StartNew();
            for (var p = 0; p < passes; p++) sink += LocateAll(g, texts);
            return passes * texts.Length / t.Elapsed.TotalSeconds;
        });
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        sink += LocateAll(g, texts);
        var perLocate = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)texts.Length;
        var resolve = Median(3, () =>
        {
            var t = Stopwatch.StartNew();
            for (var p = 0; p < passes; p++)
            {
                foreach (var text in texts) sink += g.Resolve(text).Path.Count;
            }
            return passes * texts.Length / t.Elapsed.TotalSeconds;
        });
        output.WriteLine();
        Line($"speed, one thread, median of 3 runs of {passes * texts.Length:N0} resolutions after warm-up:");
        Line($"  Gazetteer.Locate  {locate,10:N0} addresses/s ({perLocate:F0} bytes allocated per address)");
        Line($"  Gazetteer.Resolve {resolve,10:N0} addresses/s (with the code, level and path of the answer)");
        GC.KeepAlive(sink);

        output.WriteLine();
        output.WriteLine("targets:");
        Line($"  exact code >= {ExactGoal:P1}: {Percent(all.Exact, all.N)} {Met(all.Exact >= ExactGoal * all.N)}");
        Line($"  right county >= {CountyGoal:P1}: {Percent(all.County, all.N)} {Met(all.County >= CountyGoal * all.N)}");
        Line($"  >= {SpeedGoal:N0} addresses/s on one core: {locate:N0} (Locate), {resolve:N0} (Resolve) {Met(Math.Min(locate, resolve) >= SpeedGoal)}");
        Line($"  start-up (all of China) under {StartGoalMs / 1000:F0} s: {loads[0]:F0} ms first with JIT, {loads.Skip(1).Min():F0} ms after {Met(loads[0] < StartGoalMs)}");

        if (failures > 0) PrintFailures(output, oracle, samples, got, failures);
        return 0;
    }

    private static long LocateAll(Gazetteer g, string[] texts)
    {
        var sum = 0L;
        foreach (var text in texts) sum += g.Locate(text).Division;
        return sum;
    }

    private static double Median(int runs, Func<double> run)
    {
        var results = Enumerable.Range(0, runs).Select(_ => run()).Order().ToArray();
        return results[runs / 2];
    }

    private static string Met(bool met) => met ? "(met)" : "(NOT met)";

    private static string Percent(int part, int whole) => whole == 0 ? "-" : (part / (double)whole).ToString("P1", CultureInfo.InvariantCulture);

    private static (int N, int Exact, int County, int Parsed) Score(AddressSamples oracle, IReadOnlyList<AddressSample> samples, string?[] got, string?[]? parsed, List<int> which)
    {
        int exact = 0, county = 0, parsedRight = 0;
        foreach (var i in which)
        {
            var expected = samples[i].Code;
            var expectedCounty = oracle.CountyOf(expected);
            if (got[i] == expected) exact++;
            if (oracle.CountyOf(got[i]) == expectedCounty) county++;
            if (parsed is not null && oracle.CountyOf(parsed[i]) == expectedCounty) parsedRight++;
        }
        return (which.Count, exact, county, parsedRight);
    }

    /// <summary>The failures grouped by what went wrong, commonest first, each with an example; then the first <paramref name="k"/> failures.</summary>
    private static void PrintFailures(TextWriter output, AddressSamples oracle, IReadOnlyList<AddressSample> samples, string?[] got, int k)
    {
        var d = oracle.Divisions;
        string Describe(string? code) => code is null ? "null" : code + " " + string.Join("/", d.Path(d.Find(code)));
        var failed = Enumerable.Range(0, samples.Count).Where(i => got[i] != samples[i].Code).ToList();
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kinds of failure ({failed.Count} failures), commonest first:"));
        foreach (var kind in failed.GroupBy(i => samples[i].Form + ": " + Kind(oracle, samples[i].Code, got[i])).OrderByDescending(x => x.Count()).Take(20))
        {
            var i = kind.First();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind.Count(),5}  {kind.Key}  e.g. {samples[i].Text}  expected {Describe(samples[i].Code)}  got {Describe(got[i])}"));
        }
        output.WriteLine();
        output.WriteLine("failures (form | text | expected | got):");
        foreach (var i in failed.Take(k))
        {
            output.WriteLine($"{samples[i].Form} | {samples[i].Text} | {Describe(samples[i].Code)} | {Describe(got[i])}");
        }
    }

    /// <summary>How an answer differs from the label: none, above it, below it, or beside it (and how far).</summary>
    private static string Kind(AddressSamples oracle, string? expected, string? got)
    {
        var d = oracle.Divisions;
        if (got is null) return "no answer for a " + LevelOf(d, expected);
        if (expected is null) return "an answer (" + LevelOf(d, got) + ") where none is due";
        int e = d.Find(expected), g = d.Find(got);
        if (d.Contains(g, e)) return $"{LevelOf(d, got)} for a {LevelOf(d, expected)} (too shallow)";
        if (d.Contains(e, g)) return $"{LevelOf(d, got)} inside the {LevelOf(d, expected)} (too deep)";
        var common = d.CommonAncestor(e, g);
        var where = common == 0 ? "another province" : "same " + Divisions.LevelName(d.Level(common));
        return $"another {LevelOf(d, got)} for a {LevelOf(d, expected)}, {where}";
    }

    private static string LevelOf(Divisions d, string? code) => code is null ? "nothing" : Divisions.LevelName(d.Level(d.Find(code)));

    /// <summary>All of China read and indexed afresh (GeoData.Read, not the process's shared copy) with the shipped aliases, however often called: what a node does at start-up.</summary>
    private static Gazetteer LoadFresh(string? homeCity, out TimeSpan elapsed)
    {
        var watch = Stopwatch.StartNew();
        var b = GeoData.Read();
        var gazetteer = new Gazetteer(b.Divisions, b.Forms, b.Names, Gazetteer.IndexAliases(b.Divisions, GeoData.ShippedAliases()), homeCity);
        elapsed = watch.Elapsed;
        return gazetteer;
    }

    /// <summary>scripts/geo of the repository, found above the current directory or the executable's.</summary>
    private static string? ScriptsFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "scripts", "geo");
                if (File.Exists(Path.Combine(candidate, "address-parse.mjs"))) return candidate;
            }
        }
        return null;
    }

    private static string? AddressParseVersion(string? scripts)
    {
        var file = scripts is null ? null : Path.Combine(scripts, "node_modules", "address-parse", "package.json");
        if (file is null || !File.Exists(file)) return null;
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        return json.RootElement.TryGetProperty("version", out var v) ? v.GetString() : null;
    }

    /// <summary>address-parse's code for each text (node scripts/geo/address-parse.mjs), or null and why not.</summary>
    private static async Task<(string?[]? Codes, string Note)> AddressParseAsync(string? scripts, IReadOnlyList<AddressSample> samples)
    {
        const string howTo = " (skipped: needs node >= 20 and `cd scripts/geo && npm ci`)";
        if (scripts is null) return (null, " (skipped: scripts/geo/address-parse.mjs not found above the current directory)");
        if (!Directory.Exists(Path.Combine(scripts, "node_modules", "address-parse"))) return (null, howTo);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = scripts,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("address-parse.mjs");
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("node did not start");
        }
        catch (Win32Exception)
        {
            return (null, howTo);
        }
        using (process)
        {
            var watch = Stopwatch.StartNew();
            var errors = process.StandardError.ReadToEndAsync();
            var feed = Task.Run(async () =>
            {
                foreach (var s in samples) await process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(s.Text));
                process.StandardInput.Close();
            });
            var codes = new List<string?>(samples.Count);
            while (await process.StandardOutput.ReadLineAsync() is { } line) codes.Add(line.Length == 0 ? null : line.Trim());
            await feed;
            await process.WaitForExitAsync();
            var seconds = watch.Elapsed.TotalSeconds;
            if (process.ExitCode != 0 || codes.Count != samples.Count)
            {
                var error = (await errors).Split('\n').FirstOrDefault(l => l.Length > 0) ?? "";
                return (null, string.Create(CultureInfo.InvariantCulture, $" (skipped: node exited {process.ExitCode} after {codes.Count} of {samples.Count} answers: {error})"));
            }
            return ([.. codes], string.Create(CultureInfo.InvariantCulture, $" ({samples.Count / seconds:N0} addresses/s in node, start-up included)"));
        }
    }
}
