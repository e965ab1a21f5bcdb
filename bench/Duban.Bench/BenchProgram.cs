namespace Duban.Bench;

/// <summary>
/// The benchmarks' one command (README.md): a verb and its options, as the product's CLI reads
/// them (Cli.Option), with the product's conventions for usage: --help prints the usage and exits
/// 0, no verb or an unknown one prints it on standard error and exits 64 (EX_USAGE).
/// </summary>
public static class BenchProgram
{
    public const string Usage = """
        Duban 督办 — benchmarks (never run as tests; figures and machine in docs/BENCHMARKS.md)

        usage: dotnet run --project bench/Duban.Bench -c Release -- VERB [options]

          intake [--count N] [--clients 1,16] [--provider sqlite|postgres] [--connection CS --yes]
                                     durable matter creation per second through the API's
                                     code path, beside the raw insert rate of the same database
          lists [--count N] [--provider sqlite|postgres] [--connection CS --yes]
                                     list queries per kind of user on N generated matters
          pages [--runs 30] [--warmup 5] [--matters N] [--only NAME] [--parts] [--provider sqlite|postgres] [--connection CS --yes]
                                     every main page over HTTP on Kestrel as its user, signed in:
                                     median, p95, max per page on the demo (+ N generated matters)
          scale [--matters 1000000] [--provider sqlite|postgres --connection CS] [--reuse] [--db DIR] [--json] [--runs 50] [--warmup 3] [--budget 30] [--only NAME] [--yes]
                                     a city's year of realistic matters: every page, API list, the
                                     dashboard, rates, search and intake over HTTP, each beside the
                                     database's floor (hand-written SQL): p50/p95/p99, floor, ratio
          dispatch [--data FILE.csv] [--folds 5] [--seed S | --seeds S1,S2] [--ablation] [--variant Option=value,...] [--mistakes K]
                                     category accuracy by cross-validation, time a message, training time
          geo [--count N] [--seed S] [--failures K]
                                     address resolution: accuracy on a labelled set generated from
                                     the divisions, beside npm address-parse; speed; load time
          load --urls URL[,URL...] [--clients 12] [--seconds 60] [--warmup 5] [--mix intake=60,list=25,matter=10,dashboard=5] [--password P] [--json]
                                     mixed traffic against running nodes (deploy/nodes.sh), clients
                                     round robin over the addresses: per kind (intake, track, list,
                                     queue, matter, dashboard) count, per second, p50/p95/p99, errors
          --help                     this text

        On PostgreSQL, intake, lists and pages drop Duban's tables in the database named (hence --yes);
        scale drops them only with --yes, and measures them as they are with --reuse.
        """;

    /// <summary>The entry point; not top-level statements, whose global Program would clash with the product's in the tests.</summary>
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Contains("--help") || args.Contains("-h") || args is ["help", ..])
        {
            await output.WriteLineAsync(Usage);
            return 0;
        }
        var rest = args.Length > 0 ? args[1..] : [];
        switch (args.FirstOrDefault())
        {
            case "intake":
                return await IntakeBench.RunAsync(rest, output);
            case "lists":
                return await ListBench.RunAsync(rest, output);
            case "pages":
                return await PageBench.RunAsync(rest, output);
            case "scale":
                return await ScaleBench.RunAsync(rest, output);
            case "dispatch":
                return await DispatchBench.RunAsync(rest, output);
            case "geo":
                return await GeoBench.RunAsync(rest, output);
            case "load":
                return await LoadBench.RunAsync(rest, output);
            case null:
                await error.WriteLineAsync($"no verb\n\n{Usage}");
                return 64;
            default:
                await error.WriteLineAsync($"unknown verb: {string.Join(' ', args)}\n\n{Usage}");
                return 64;
        }
    }
}
