using System.ComponentModel.DataAnnotations;
using Duban.Common;
using Microsoft.Extensions.Options;

namespace Duban.Features.Units;

/// <summary>Duban:Units settings.</summary>
public sealed class UnitOptions
{
    public const string Section = "Duban:Units";

    /// <summary>How often, in seconds, a node reads the units again for another node's change.</summary>
    [Range(1, 86_400, ErrorMessage = "Duban:Units:RefreshSeconds must be between 1 and 86400.")]
    public int RefreshSeconds { get; set; } = 30;
}

/// <summary>
/// Reads the units every Duban:Units:RefreshSeconds (hundreds of rows, a millisecond), so that a
/// unit added or changed on another node is in force here within that time.
/// </summary>
public sealed class UnitRefresher(UnitDirectory units, TimeProvider time, IOptions<UnitOptions> options, ILogger<UnitRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RefreshSeconds), time);
        while (await timer.NextTickAsync(stoppingToken))
        {
            try
            {
                if (await units.RefreshAsync(stoppingToken)) logger.LogInformation("Units changed on another node: reloaded");
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A database briefly away is no reason to stop; the units in force serve until the next tick.
                logger.LogWarning(e, "Could not refresh the units");
            }
        }
    }
}
