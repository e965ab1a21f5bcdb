namespace Duban.Features.Dispatching;

/// <summary>dispatch classify --train FILE.csv: trains on label,text rows, then answers texts on standard input.</summary>
public static class ClassifierCli
{
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        await error.WriteLineAsync("dispatch classify: not yet");
        return 1;
    }
}
