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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Job) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Seconds), time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<Tallies>().CatchUpAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A failing pass (the database away for a moment) is tried again at the next tick; the pages
                // count live once the counters are older than FreshForSeconds.
                log.LogError(e, "tally pass failed");
            }
        }
        while (await timer.NextTickAsync(stoppingToken));
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
