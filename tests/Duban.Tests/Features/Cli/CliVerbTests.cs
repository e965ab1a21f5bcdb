using System.Net.Http.Json;
using Duban.Tests.Infrastructure;


namespace Duban.Tests.Features.Cli;

/// <summary>
/// The CLI verbs against their own SQLite data directory (demo reset wipes a database, so never the shared one).
/// In the "console" collection: they redirect Console.Out.
/// </summary>
[Collection("console")]
public sealed class CliVerbTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "duban-cli-" + Guid.NewGuid().ToString("N")[..8]);

    private Task<(int Code, string Out, string Err)> Run(params string[] args) => RunWithInput("", args);

    private Task<(int Code, string Out, string Err)> RunWithInput(string input, params string[] args) =>
        ConsoleCli.RunAsync(input, [.. args, $"--Duban:DataDirectory={dir}", "--Duban:Demo:Password=cli-password-1", "--Duban:Demo:Matters=false"]);

    [Fact]
    public async Task GeoResolve_ReadsLines_WritesOneJsonObjectEach_AndNothingElse()
    {
        var (code, output, _) = await RunWithInput("台山市川岛镇下川岛略尾村的快递收发点\n\n白沙\n路灯坏了\n", "geo", "resolve");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        var first = System.Text.Json.Nodes.JsonNode.Parse(lines[0])!;
        Assert.Equal("台山市川岛镇下川岛略尾村的快递收发点", (string?)first["input"]);
        Assert.Equal("440781115002", (string?)first["code"]);
        Assert.Equal("village", (string?)first["level"]);
        Assert.Equal(["广东省", "江门市", "台山市", "川岛镇", "略尾社区居委会"], first["path"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(1.0, (double)first["confidence"]!);
        Assert.Null((string?)System.Text.Json.Nodes.JsonNode.Parse(lines[1])!["code"]);
        Assert.Equal("440700", (string?)System.Text.Json.Nodes.JsonNode.Parse(lines[2])!["code"]);
        Assert.Null((string?)System.Text.Json.Nodes.JsonNode.Parse(lines[3])!["code"]);

        var explained = await RunWithInput("白沙\n", "geo", "resolve", "--explain");
        Assert.Contains("\"readings\":[", explained.Out, StringComparison.Ordinal);
        Assert.Contains("440781103", explained.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoReset_NeedsYes_ThenLoadsDemoAndChainVerifies()
    {
        var refused = await Run("demo", "reset");
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("--yes", refused.Err);

        var reset = await Run("demo", "reset", "--yes");
        Assert.Equal(0, reset.Code);
        Assert.Contains("Jiangmen demo: 231 units", reset.Out);
        Assert.Contains("╔═", reset.Out, StringComparison.Ordinal);

        var verify = await Run("audit", "verify");
        Assert.Equal(0, verify.Code);
        Assert.Matches(@"audit chain intact: \d+ events, 0 matters verified", verify.Out);
    }

    [Fact]
    public async Task AuditVerify_ChangedRow_ExitsNonZeroNamingIt()
    {
        Assert.Equal(0, (await Run("demo", "reset", "--yes")).Code);
        await using (var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dir, "duban.db")}"))
        {
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "DROP TRIGGER events_no_update; UPDATE events SET actor_name = '某人' WHERE seq = 1";
            await cmd.ExecuteNonQueryAsync();
        }
        var verify = await Run("audit", "verify");
        Assert.Equal(2, verify.Code);
        Assert.Contains("event #1 (units_imported) has been altered", verify.Err);
    }

    [Fact]
    public async Task UsersAdd_CreatesAnAccountThatCanSignIn_AndRefusesBadInput()
    {
        Assert.Equal(0, (await Run("demo", "reset", "--yes")).Code);

        Assert.Equal(64, (await Run("users", "add", "--username", "zhang")).Code);
        Assert.Equal(64, (await Run("users", "add", "--username", "zhang", "--unit", "440781115", "--roles", "handler,king")).Code);
        Assert.Equal(65, (await Run("users", "add", "--username", "zhang", "--unit", "no-such-unit", "--roles", "handler")).Code);
        var added = await Run("users", "add", "--username", "zhang", "--unit", "440781115", "--roles", "handler", "--name", "张三");
        Assert.Equal(0, added.Code);
        var password = added.Out.Split("password: ")[1].Trim();
        Assert.Equal(65, (await Run("users", "add", "--username", "zhang", "--unit", "440781115", "--roles", "handler")).Code);

        // The new account signs in on a server over the same data directory.
        await using var app = new SecondDirectoryApp(dir);
        var client = app.CreateClient();
        var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = "zhang", password });
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());

        // The account's creation is in the audit chain.
        Assert.Equal(0, (await Run("audit", "verify")).Code);
    }

    [Fact]
    public async Task UnitsImport_IntoAnEmptyDatabase_ThenUsersAdd_WorksWithoutTheDemo()
    {
        var first = await Run("units", "import");
        Assert.Equal(0, first.Code);
        Assert.Contains("imported 231 new units", first.Out);
        Assert.Contains("imported 0 new units", (await Run("units", "import")).Out);
        Assert.Equal(0, (await Run("users", "add", "--username", "zhao", "--unit", "4407-ddzx", "--roles", "dispatcher")).Code);
        Assert.Equal(0, (await Run("audit", "verify")).Code);
        var bad = Path.Combine(dir, "bad.json");
        await File.WriteAllTextAsync(bad, "[{\"code\":\"x1\",\"name\":\"X\",\"kind\":\"department\",\"parentCode\":\"nowhere\",\"territoryCode\":\"440700\"}]");
        Assert.Equal(65, (await Run("units", "import", bad)).Code);
    }

    [Fact]
    public async Task AuditVerify_WithAnotherKey_Exits3_AndTheServerRefusesToStart()
    {
        Assert.Equal(0, (await Run("demo", "reset", "--yes")).Code);
        var keyFile = Path.Combine(dir, "keys", "audit.key");
        var original = await File.ReadAllTextAsync(keyFile);
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        try
        {
            var verify = await Run("audit", "verify");
            Assert.Equal(3, verify.Code);
            Assert.Contains("wrong audit key", verify.Err);
            await using var app = new SecondDirectoryApp(dir);
            var ex = Assert.ThrowsAny<Exception>(() => app.CreateClient());
            Assert.Contains("audit key", ex.ToString());
        }
        finally
        {
            await File.WriteAllTextAsync(keyFile, original);
        }
        File.Delete(keyFile);
        var missing = await Run("audit", "verify");
        Assert.Equal(3, missing.Code);
        Assert.Contains("no audit key", missing.Err);
        Assert.False(File.Exists(keyFile)); // verification never makes a key
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    private sealed class SecondDirectoryApp(string dataDirectory) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Duban:DataDirectory", dataDirectory);
            builder.UseSetting("Duban:Database:Provider", "sqlite");
        }
    }
}
