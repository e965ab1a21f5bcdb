using Duban.Common;
using Microsoft.Extensions.Options;

namespace Duban.Features.Tally;

/// <summary>
/// Brings the counters up to date every <see cref="TallyOptions.Seconds"/> on every node that has
/// <c>Duban:Tally:Job</c> on (one node at a time does each pass; the others skip it). The first pass
/// on a database without counters builds them.
/// </summary>
public sealed class TallyJob(IServiceScopeFactory scopes, IOptions<TallyOptions> options, TimeProvider time, ILogger<TallyJob> log) : BackgroundService
{
    // A failing pass is tried again at the next tick; the pages count live once the counters are older than FreshForSeconds.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Job
            ? PeriodicPass.RunAsync(TimeSpan.FromSeconds(options.Value.Seconds), time, PassAsync, e => log.LogError(e, "tally pass failed"), stoppingToken)
            : Task.CompletedTask;

    private async Task PassAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Tallies>().CatchUpAsync(ct);
    }
}

public static class TallyServices
{
    public static IServiceCollection AddDubanTally(this IServiceCollection services)
    {
        services.AddOptions<TallyOptions>().BindConfiguration(TallyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<Tallies>();
        services.AddScoped<TallyReads>();
        services.AddScoped<TallyRates>();
        return services;
    }
}
