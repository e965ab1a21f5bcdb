namespace Duban.Features.Bench;

/// <summary>bench geo: accuracy of address resolution on a generated labelled set, beside npm address-parse, and its speed.</summary>
internal static class GeoBench
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        await output.WriteLineAsync("bench geo: not yet");
        return 1;
    }
}
