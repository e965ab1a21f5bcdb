using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;

namespace Duban.Hosting;

/// <summary>One option of a verb: <c>--period</c> with the name of its value in the help (<c>2026-11|2026-Q4|2026</c>), or a flag (<see cref="Value"/> null).</summary>
/// <param name="Required">The parser refuses the verb without it (exit 64, naming it).</param>
public sealed record CliOption(string Name, string? Value, string Help, bool Required = false)
{
    public static CliOption Flag(string name, string help) => new(name, null, help);
}

/// <summary>The words a verb takes after its name (<c>DATE N</c>, <c>[FILE]</c>): as the help shows them, and how many at most. The verb checks them.</summary>
public sealed record CliWords(string Usage, int Max);

/// <summary>
/// A verb as <see cref="CliVerbs"/> declares it: its name (<c>figures verify</c>), what it does (the lines of the overall
/// help, the first on the verb's line), what runs it, its options and its words. The parser refuses anything else.
/// </summary>
public sealed record CliVerb(string Name, string Summary, Func<CliCall, Task<int>> Run, IReadOnlyList<CliOption>? Options = null, CliWords? Words = null)
{
    public IReadOnlyList<CliOption> Options { get; } = Options ?? [];

    /// <summary><c>users add --username U --unit CODE --roles r1,r2 [--name N] [--password P]</c>.</summary>
    public string Usage => string.Join(' ', new[] { Name, Words?.Usage }.Concat(Options.Select(OptionUsage)).Where(part => !string.IsNullOrEmpty(part)));

    private static string OptionUsage(CliOption option)
    {
        var text = option.Value is null ? option.Name : $"{option.Name} {option.Value}";
        return option.Required ? text : $"[{text}]";
    }
}

/// <summary>
/// A verb's command line as the parser read it: its words, the values of its declared options, and the configuration
/// given on the command line (<c>--Duban:Key=value</c>, <c>--urls …</c>) for the host. Asking for an option the verb
/// does not declare is a bug, and throws.
/// </summary>
public sealed class CliCall(CliVerb verb, IReadOnlyList<string> words, IReadOnlyDictionary<string, string?> values, IReadOnlyList<string> configuration)
{
    public CliVerb Verb => verb;

    public IReadOnlyList<string> Words => words;

    /// <summary>The host's command-line arguments: the configuration settings as typed, each with its value.</summary>
    public string[] Configuration => [.. configuration];

    /// <summary>The value of <paramref name="option"/>, null when not given.</summary>
    public string? Value(string option) =>
        values.TryGetValue(option, out var value) ? value : throw new InvalidOperationException($"{verb.Name} does not declare {option}");

    /// <summary>Whether the flag <paramref name="option"/> was given.</summary>
    public bool Has(string option) => Value(option) is not null;
}

/// <summary>
/// The command line of the one executable, parsed by System.CommandLine from the verbs <see cref="CliVerbs"/> declares
/// (issue 17: a mistyped option was silently ignored, <c>figures --perod 2025-01</c> printed the current month).
/// Configuration settings are taken out first and go to the host as before; every other token must be a declared verb,
/// option or word. A refused command line exits <see cref="UsageError"/> with one line a problem on standard error,
/// naming the option, before anything is opened; <c>VERB --help</c> (or <c>-h</c>) prints the verb's options and exits 0.
/// </summary>
public static class CliCommandLine
{
    /// <summary>
    /// EX_USAGE (sysexits.h), as the verbs already answered a malformed command, rather than System.CommandLine's 1
    /// or the 2 of the issue: 2 already means "chain broken" (audit verify) and "counters differ" (figures verify).
    /// </summary>
    public const int UsageError = 64;

    /// <summary>
    /// Sections of the configuration the command line may set (<c>--Duban:Database:Provider=postgres</c>); a section
    /// alone (<c>--Duban=</c>) too, as WebApplicationFactory passes its settings with their parents.
    /// </summary>
    private static readonly string[] ConfigurationSections = ["Duban", "Logging", "Kestrel"];

    /// <summary>The host's own settings (ASP.NET Core's and the generic host's), as <c>--urls http://…</c>.</summary>
    private static readonly string[] HostSettings = ["urls", "environment", "contentRoot", "applicationName", "http_ports", "https_ports", "AllowedHosts"];

    public const string ConfigurationHelp = "configuration: --Duban:Key=value or --Duban:Key value (e.g. --Duban:DataDirectory=/srv/duban), as every verb takes it";

    /// <summary>Parses <paramref name="args"/> and runs the verb they name, or prints help, or refuses them.</summary>
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<CliVerb> verbs, string overview)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(verbs);
        var (tokens, configuration, missing) = SplitConfiguration(args);
        if (missing is not null)
        {
            await Console.Error.WriteLineAsync($"选项 {missing} 缺少值 / the setting {missing} needs a value");
            return UsageError;
        }
        // No verb, or options first: the web host (dotnet Duban.dll --urls …), unless help is asked for.
        if (tokens.Count == 0 || (tokens[0].StartsWith('-') && tokens[0] is not ("--help" or "-h"))) tokens.Insert(0, "serve");
        if (tokens[0] == "help")
        {
            Console.WriteLine(overview);
            return 0;
        }
        var tree = new Tree(verbs, configuration);
        var parse = tree.Root.Parse(tokens, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var helpAsked = parse.GetResult(tree.Help) is { Implicit: false };
        if (!tree.Verbs.TryGetValue(parse.CommandResult.Command, out var verb))
        {
            if (helpAsked)
            {
                Console.WriteLine(overview);
                return 0;
            }
            await Console.Error.WriteLineAsync($"unknown verb: {string.Join(' ', args)}\n\n{overview}");
            return UsageError;
        }
        if (helpAsked)
        {
            Console.WriteLine(VerbHelp(verb));
            return 0;
        }
        var problems = Problems(parse, verb, tree);
        if (problems.Count > 0)
        {
            foreach (var problem in problems) await Console.Error.WriteLineAsync($"{verb.Name}: {problem}");
            await Console.Error.WriteLineAsync($"{verb.Name} --help: 列出它的选项 / lists its options");
            return UsageError;
        }
        return await parse.InvokeAsync(new InvocationConfiguration
        {
            // Exceptions are bugs and surface as before; the web host handles Ctrl+C itself.
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
            Output = Console.Out,
            Error = Console.Error,
        });
    }

    /// <summary>The help of one verb: its usage, what it does, each option and word.</summary>
    public static string VerbHelp(CliVerb verb)
    {
        ArgumentNullException.ThrowIfNull(verb);
        var rows = verb.Options.Select(o => (Left: o.Value is null ? o.Name : $"{o.Name} {o.Value}", Help: o.Help + (o.Required ? " (required)" : "")))
            .Append((Left: "-h, --help", Help: "this text")).ToList();
        var width = Math.Max(20, rows.Max(r => r.Left.Length) + 2);
        var text = new StringBuilder();
        text.Append("usage: ").AppendLine(verb.Usage).AppendLine();
        foreach (var line in verb.Summary.Split('\n')) text.Append("  ").AppendLine(line.Trim());
        text.AppendLine().AppendLine("options:");
        foreach (var (left, help) in rows) text.Append("  ").Append(left.PadRight(width)).AppendLine(help);
        text.AppendLine().Append(ConfigurationHelp);
        return text.ToString();
    }

    /// <summary>The lines of the overall help for the verbs, in their order: usage, then what it does from column 29.</summary>
    public static string VerbLines(IReadOnlyList<CliVerb> verbs)
    {
        ArgumentNullException.ThrowIfNull(verbs);
        const int Column = 29;
        var text = new StringBuilder();
        foreach (var verb in verbs)
        {
            var usage = Wrapped(verb);
            var summary = verb.Summary.Split('\n').Select(l => l.Trim()).ToList();
            if (usage.Length < Column - 1) text.Append(usage.PadRight(Column)).AppendLine(summary[0]);
            else text.AppendLine(usage).Append(' ', Column).AppendLine(summary[0]);
            foreach (var line in summary.Skip(1)) text.Append(' ', Column).AppendLine(line);
        }
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>A verb's usage indented by two, broken before an option when it passes <paramref name="width"/> columns.</summary>
    private static string Wrapped(CliVerb verb, int width = 100)
    {
        var lines = new List<string> { "  " + verb.Name };
        var hanging = new string(' ', 3 + verb.Name.Split(' ')[0].Length);
        foreach (var part in verb.Usage[verb.Name.Length..].Split(" [", StringSplitOptions.None).Select((p, i) => i == 0 ? p.Trim() : "[" + p))
        {
            if (part.Length == 0) continue;
            if (lines[^1].Length + 1 + part.Length > width) lines.Add(hanging + part);
            else lines[^1] += " " + part;
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// The configuration settings taken out of the command line (both <c>--Key=value</c> and <c>--Key value</c>, as the
    /// host reads them), the rest left in order; and a setting without its value, if any. After <c>--</c>, nothing is taken.
    /// </summary>
    public static (List<string> Others, List<string> Configuration, string? Missing) SplitConfiguration(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var (rest, configuration) = (new List<string>(), new List<string>());
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                rest.AddRange(args.Skip(i));
                break;
            }
            if (!IsConfiguration(token))
            {
                rest.Add(token);
                continue;
            }
            configuration.Add(token);
            if (token.Contains('=', StringComparison.Ordinal)) continue;
            // A setting followed by nothing, or by another option, has no value: refused rather than swallowing the option.
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)) return (rest, configuration, token);
            configuration.Add(args[++i]);
        }
        return (rest, configuration, null);
    }

    private static bool IsConfiguration(string token)
    {
        if (!token.StartsWith("--", StringComparison.Ordinal)) return false;
        var key = token[2..].Split('=', 2)[0];
        return ConfigurationSections.Any(s => key.StartsWith(s, StringComparison.OrdinalIgnoreCase) && (key.Length == s.Length || key[s.Length] == ':'))
            || HostSettings.Any(s => key.Equals(s, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A token that is meant as an option (<c>--perod</c>, <c>-x</c>), not a word such as <c>-1</c>.</summary>
    private static bool LooksLikeOption(string token) =>
        (token.StartsWith("--", StringComparison.Ordinal) && token.Length > 2) || (token.Length > 1 && token[0] == '-' && char.IsLetter(token[1]));

    private static string OptionName(string token) => token.Split('=', 2)[0];

    /// <summary>What is wrong with the command line, one problem a line (zh-CN, then en-US), naming the option or word.</summary>
    private static List<string> Problems(ParseResult parse, CliVerb verb, Tree tree)
    {
        var problems = new List<string>();
        foreach (var token in parse.UnmatchedTokens)
        {
            problems.Add(LooksLikeOption(token)
                ? $"未知选项 {OptionName(token)} / unknown option {OptionName(token)}"
                : $"多余的参数 {token} / unexpected argument {token}");
        }
        foreach (var option in verb.Options)
        {
            var symbol = tree.Options[(verb, option.Name)];
            var result = parse.GetResult(symbol);
            if (result is null || result.Implicit)
            {
                if (option.Required) problems.Add($"缺少选项 {option.Name} / the option {option.Name} is required");
            }
            else if (option.Value is not null && result.Tokens.Count == 0)
            {
                problems.Add($"选项 {option.Name} 缺少值 / the option {option.Name} needs a value ({option.Value})");
            }
            else if (result.IdentifierTokenCount > 1 || result.Tokens.Count > 1)
            {
                problems.Add($"选项 {option.Name} 给了不止一次 / the option {option.Name} is given more than once");
            }
        }
        if (tree.Words.TryGetValue(verb, out var words) && parse.GetResult(words) is { } given)
        {
            foreach (var token in given.Tokens.Select(t => t.Value).Where(LooksLikeOption))
                problems.Add($"未知选项 {OptionName(token)} / unknown option {OptionName(token)}");
        }
        // Anything else the parser found (none is known today): its own message, the command line still refused.
        if (problems.Count == 0) problems.AddRange(parse.Errors.Select(e => $"命令行有误 / invalid command line: {e.Message}"));
        return problems;
    }

    private static CliCall Call(ParseResult parse, CliVerb verb, Tree tree, List<string> configuration)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var option in verb.Options)
        {
            values[option.Name] = tree.Options[(verb, option.Name)] switch
            {
                Option<bool> flag => parse.GetValue(flag) ? option.Name : null,
                Option<string> valued => parse.GetValue(valued),
                var other => throw new InvalidOperationException($"unexpected option type {other.GetType()}"),
            };
        }
        IReadOnlyList<string> words = tree.Words.TryGetValue(verb, out var argument) ? parse.GetValue(argument) ?? [] : [];
        return new CliCall(verb, words, values, configuration);
    }

    /// <summary>The System.CommandLine commands for the declared verbs: a verb's words are nested commands (<c>figures verify</c>).</summary>
    private sealed class Tree
    {
        public RootCommand Root { get; } = new("Duban 督办");

        /// <summary>-h and --help on every command (System.CommandLine's own help and version options are replaced by Duban's help).</summary>
        public Option<bool> Help { get; } = new("--help", "-h") { Recursive = true, Arity = ArgumentArity.Zero };

        public Dictionary<Command, CliVerb> Verbs { get; } = [];

        public Dictionary<(CliVerb, string), Option> Options { get; } = [];

        public Dictionary<CliVerb, Argument<string[]>> Words { get; } = [];

        public Tree(IReadOnlyList<CliVerb> verbs, List<string> configuration)
        {
            Root.Options.Clear();
            Root.Directives.Clear();
            Root.Options.Add(Help);
            foreach (var verb in verbs)
            {
                Command command = Root;
                foreach (var word in verb.Name.Split(' '))
                {
                    var next = command.Subcommands.FirstOrDefault(c => c.Name == word);
                    if (next is null) command.Subcommands.Add(next = new Command(word));
                    command = next;
                }
                if (!Verbs.TryAdd(command, verb)) throw new InvalidOperationException($"the verb {verb.Name} is declared twice");
                foreach (var option in verb.Options)
                {
                    Option symbol = option.Value is null
                        ? new Option<bool>(option.Name) { Arity = ArgumentArity.Zero, Description = option.Help }
                        : new Option<string>(option.Name) { HelpName = option.Value, Description = option.Help, Required = option.Required };
                    command.Options.Add(symbol);
                    Options[(verb, option.Name)] = symbol;
                }
                if (verb.Words is { } declared)
                {
                    var argument = new Argument<string[]>("words")
                    {
                        Arity = new ArgumentArity(0, declared.Max),
                        HelpName = declared.Usage,
                        // The words as typed (System.CommandLine reads an array of at most one as a single value, and refuses it).
                        CustomParser = result => [.. result.Tokens.Select(t => t.Value)],
                    };
                    command.Arguments.Add(argument);
                    Words[verb] = argument;
                }
                command.SetAction((parse, _) => verb.Run(Call(parse, verb, this, configuration)));
            }
        }
    }
}
