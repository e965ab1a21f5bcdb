using System.Globalization;

using Duban.Features.Matters;

namespace Duban.Features.Supervision;

/// <summary>
/// supervision run: takes the automatic steps that are due once (as the job does each minute),
/// for a deployment that runs it from cron with the job off. supervision policies [FILE]: the
/// policies in force, or a policy file checked before it is deployed (every problem listed).
/// </summary>
public static class SupervisionCli
{
    public static async Task<int> RunAsync(IServiceProvider sp, Hosting.CliCall call)
    {
        // Without the web host no refresher runs: read the administrators' calendar days first.
        await sp.GetRequiredService<Calendar.CalendarDays>().RefreshAsync(force: true);
        var counts = await sp.GetRequiredService<SupervisionSteps>().RunAsync(CancellationToken.None);
        Console.WriteLine($"supervision: {counts.Reminded} reminded (催办), {counts.Noticed} notices (督办通知), {counts.Escalated} escalated (提级督办)");
        return 0;
    }

    /// <summary>supervision policies [FILE]: a file is checked without opening the database; without one, the policies in force are read from it.</summary>
    public static Task<int> PoliciesAsync(Hosting.CliCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Words is [var file]
            ? PoliciesAsync(file, Console.Out, Console.Error, () => throw new InvalidOperationException("a file was given"))
            : Hosting.Cli.WithServicesAsync(call, (sp, _) => PoliciesAsync(null, Console.Out, Console.Error, sp.GetRequiredService<TimePolicies>), writes: false);
    }

    public static async Task<int> PoliciesAsync(string? file, TextWriter output, TextWriter error, Func<TimePolicies> inForce)
    {
        TimePolicies policies;
        if (file is not null)
        {
            if (!File.Exists(file))
            {
                await error.WriteLineAsync($"no such file: {file}");
                return 64;
            }
            var problems = new List<string>();
            var parsed = TimePolicies.Parse(await File.ReadAllTextAsync(file), problems);
            if (parsed is null)
            {
                foreach (var p in problems) await error.WriteLineAsync(p);
                return 1;
            }
            policies = parsed;
        }
        else
        {
            policies = inForce();
        }
        await output.WriteLineAsync($"time-limit policies, version {policies.Version}:");
        foreach (var p in policies.All)
        {
            var match = !p.MatchesAny ? "named at dispatch"
                : $"kinds {(p.Kinds is null ? "any" : string.Join(",", p.Kinds.Order(StringComparer.Ordinal)))}; urgency {(p.Urgencies is null ? "any" : string.Join(",", p.Urgencies.Order(StringComparer.Ordinal)))}";
            var limits = string.Join(", ", new[]
            {
                p.Accept is { } a ? $"accept {a}" : null, $"sign {p.Sign}", $"handle {p.Handle}",
                p.Extension is { } e ? $"extension ≤ {e.Max} ×{e.Times.ToString(CultureInfo.InvariantCulture)}" : null,
                p.Review is { } r ? $"review asked ≤ {r.RequestWithin}, decided ≤ {r.DecideWithin}, {r.Rounds.ToString(CultureInfo.InvariantCulture)} rounds" : null,
                p.NotifyAcceptance is { } na ? $"tell acceptance ≤ {na}" : null, p.NotifyOutcome is { } no ? $"tell outcome ≤ {no}" : null,
                p.Pauses.Count > 0 ? "pauses " + string.Join(",", p.Pauses) : null,
            }.Where(x => x is not null));
            await output.WriteLineAsync($"  {p.Id} {p.Name} ({match}): {limits}");
        }
        return 0;
    }
}
