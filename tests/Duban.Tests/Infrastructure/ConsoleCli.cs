namespace Duban.Tests.Infrastructure;

/// <summary>
/// Runs a CLI verb in this process with standard input given and standard output and error
/// captured. Tests that use it share the "console" collection: they redirect Console.
/// </summary>
public static class ConsoleCli
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(string input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (i, o, e) = (Console.In, Console.Out, Console.Error);
        Console.SetIn(new StringReader(input));
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var code = await Duban.Hosting.Cli.RunAsync(args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetIn(i);
            Console.SetOut(o);
            Console.SetError(e);
        }
    }
}
