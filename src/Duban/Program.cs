using Duban.Hosting;

// One executable: the web host by default, and the CLI verbs after `--` (see `--help`).
return await Cli.RunAsync(args);

/// <summary>The entry point's type, for WebApplicationFactory in the tests.</summary>
public partial class Program;
