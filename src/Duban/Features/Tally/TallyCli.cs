using System.Globalization;

namespace Duban.Features.Tally;

/// <summary>figures verify [--repair]: the counters against a count of the records, and their rebuild.</summary>
public static class TallyCli
{
    /// <summary>Differences printed at most; the count of all is always printed.</summary>
    private const int Shown = 50;

    public static async Task<int> VerifyAsync(IServiceProvider services, Hosting.CliCall call)
    {
        var tallies = services.GetRequiredService<Tallies>();
        var report = await tallies.VerifyAsync(CancellationToken.None);
        if (report.Intact)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"counters intact: {report.Counters} counters, {report.Matters} matters counted again from the records"));
            return 0;
        }
        foreach (var d in report.Differences.Take(Shown))
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{d.Kind} {(d.County.Length > 0 ? d.County : "(city)")} {d.Key}: counted {d.Counted}, records {d.Records}"));
        if (report.Differences.Count > Shown) await Console.Error.WriteLineAsync($"... and {report.Differences.Count - Shown} more");
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"counters DIFFER from the records: {report.Differences.Count} counters, {report.MattersMiscounted} matters counted in another bucket"));
        if (!call.Has("--repair")) return 2;
        var pass = await tallies.RebuildAsync(CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"repaired: counters rebuilt from {pass.Matters} matters"));
        return 0;
    }
}
