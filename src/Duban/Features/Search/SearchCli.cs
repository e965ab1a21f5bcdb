using Duban.Data;

namespace Duban.Features.Search;

/// <summary>`search rebuild`: writes the full-text index anew from the matters (after a bulk load, or to repair it).</summary>
public static class SearchCli
{
    public static async Task<int> RebuildAsync(IServiceProvider services, Hosting.CliCall call)
    {
        var db = services.GetRequiredService<DubanDb>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var count = await MatterSearch.RebuildAsync(db, Console.Error, default);
        Console.WriteLine(FormattableString.Invariant($"search index rebuilt: {count} matters in {started.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }
}
