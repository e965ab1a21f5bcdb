namespace Duban.Features.Dispatching;

/// <summary>dispatch suggest: JSON lines of matters on standard input, one routing suggestion a line out.</summary>
public static class DispatchCli
{
    public static async Task<int> SuggestAsync(IServiceProvider services, string[] args)
    {
        await Console.Error.WriteLineAsync("dispatch suggest: not yet");
        return 1;
    }
}
