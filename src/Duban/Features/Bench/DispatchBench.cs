namespace Duban.Features.Bench;

/// <summary>bench dispatch --data FILE.csv: category accuracy by cross-validation, time a message, training time.</summary>
internal static class DispatchBench
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        await output.WriteLineAsync("bench dispatch: not yet");
        return 1;
    }
}
