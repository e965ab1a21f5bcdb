namespace Duban.Common;

/// <summary>
/// A background job's loop (CONVENTIONS: BackgroundService + PeriodicTimer on TimeProvider): a pass at once, then one every
/// period until the node stops. A pass that fails (the database or a server away for a moment) is reported and tried again
/// at the next tick; stopping ends the loop quietly, a pass under way keeping whatever claim or lease it holds.
/// </summary>
public static class PeriodicPass
{
    public static async Task RunAsync(TimeSpan every, TimeProvider time, Func<CancellationToken, Task> pass, Action<Exception> failed,
        CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentNullException.ThrowIfNull(failed);
        await Task.Yield();
        using var timer = new PeriodicTimer(every, time);
        try
        {
            do
            {
                try
                {
                    await pass(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    failed(e);
                }
            }
            while (await timer.NextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped, with the host or on its own.
        }
    }
}
