using Duban.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Duban.Tests.Features.Open311;

/// <summary><c>open311 keys add</c> against its own SQLite data directory (the "console" collection: it redirects Console).</summary>
[Collection("console")]
public sealed class Open311CliTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "duban-o311-" + Guid.NewGuid().ToString("N")[..8]);

    private Task<(int Code, string Out, string Err)> Run(params string[] args) =>
        ConsoleCli.RunAsync("", [.. args, $"--Duban:DataDirectory={dir}", "--Duban:Demo:Password=cli-password-1", "--Duban:Demo:Matters=false"]);

    [Fact]
    public async Task KeysAdd_PrintsTheKeyOnce_StoresOnlyItsHash_RefusesTheSameNameAgain_AndVerifies()
    {
        var (code, output, error) = await Run("open311", "keys", "add", "--name", "市民通App");
        Assert.True(code == 0, error);
        var key = output.Trim().Split("api_key: ")[1].Trim();
        Assert.StartsWith("o311_", key);

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "duban.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, key_hash FROM open311_keys";
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("市民通App", reader.GetString(0));
            Assert.Equal(Duban.Features.Open311.Open311Keys.Hash(key), reader.GetString(1));
        }

        Assert.Equal(65, (await Run("open311", "keys", "add", "--name", "市民通App")).Code);
        Assert.Equal(64, (await Run("open311", "keys", "add")).Code); // --name is required
        Assert.Equal(0, (await Run("audit", "verify")).Code);
        Assert.Equal(0, (await Run("open311", "keys", "remove", "--name", "市民通App")).Code);
        Assert.Equal(0, (await Run("audit", "verify")).Code);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
