using System.Globalization;
using SharpFuzz;

namespace Duban.Fuzz;

/// <summary>
/// The fuzz harness's command (README.md): a target (<see cref="FuzzTargets"/>) under AFL or
/// libFuzzer, or without a fuzzer over files (<c>replay</c>) or their random mutations (<c>mutate</c>).
/// </summary>
public static class Program
{
    private const string Usage = """
        usage: dotnet Duban.Fuzz.dll afl photo|font           (under afl-fuzz)
               Duban.Fuzz libfuzzer-photo|libfuzzer-font      (under libfuzzer-dotnet: --target_arg=libfuzzer-photo)
               dotnet Duban.Fuzz.dll replay photo|font FILE...  (each file once: a corpus, or a crash found)
               dotnet Duban.Fuzz.dll mutate photo|font DIRECTORY [COUNT] [SEED]
                                                              (COUNT random mutations of the files in DIRECTORY, default 10000)
        """;

    public static int Main(string[] args)
    {
        switch (args)
        {
            case ["afl", var name] when FuzzTargets.ByName.TryGetValue(name, out var target):
                // afl-fuzz starts the process once and feeds it input after input (SharpFuzz's fork server).
                Fuzzer.OutOfProcess.Run(stream =>
                {
                    using var memory = new MemoryStream();
                    stream.CopyTo(memory);
                    target(memory.ToArray());
                });
                return 0;
            case [var engine] when engine.StartsWith("libfuzzer-", StringComparison.Ordinal) && FuzzTargets.ByName.TryGetValue(engine["libfuzzer-".Length..], out var target):
                // One word: libfuzzer-dotnet passes a single --target_arg to the program it starts.
                Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
                return 0;
            case ["replay", var name, .. var files] when files.Length > 0 && FuzzTargets.ByName.TryGetValue(name, out var target):
                foreach (var file in files)
                {
                    Console.WriteLine($"{(target(File.ReadAllBytes(file)) ? "accepted" : "refused")} {file}");
                }
                return 0;
            case ["mutate", var name, var directory, .. var rest] when FuzzTargets.ByName.TryGetValue(name, out var target) && rest.Length <= 2:
                var count = rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 10_000;
                var seed = rest.Length > 1 ? int.Parse(rest[1], CultureInfo.InvariantCulture) : Environment.TickCount;
                var seeds = Directory.GetFiles(directory).Select(File.ReadAllBytes).ToArray();
                var random = new Random(seed);
                var accepted = 0;
                for (var n = 0; n < count; n++)
                {
                    var input = FuzzTargets.Mutate(seeds[random.Next(seeds.Length)], random);
                    try
                    {
                        if (target(input)) accepted++;
                    }
                    catch
                    {
                        var crash = Path.GetFullPath($"crash-{name}-{seed}-{n}");
                        File.WriteAllBytes(crash, input);
                        Console.Error.WriteLine($"crash: input written to {crash} (replay it: replay {name} {crash})");
                        throw;
                    }
                }
                Console.WriteLine($"{count} mutations of {seeds.Length} files (seed {seed}): {accepted} accepted, the rest refused, none crashed");
                return 0;
            default:
                Console.Error.WriteLine(Usage);
                return 64;
        }
    }
}
