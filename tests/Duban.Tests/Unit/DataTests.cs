using System.Text.RegularExpressions;
using Duban.Data;

namespace Duban.Tests.Unit;

public sealed class DataTests
{
    private static readonly string[] Tables = ["units", "users", "matters", "assignments", "events", "audit_head", "counters", "idempotency"];

    [Fact]
    public void Scripts_BothProviders_SameOrderedVersions_StartingWithInitial()
    {
        var sqlite = Schema.Scripts("sqlite").Select(s => s.Version).ToList();
        var postgres = Schema.Scripts("postgres").Select(s => s.Version).ToList();
        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite, postgres);
        Assert.Equal("0001_initial", sqlite[0]);
        Assert.Equal(sqlite.Order(StringComparer.Ordinal), sqlite);
        Assert.Equal(sqlite.Count, sqlite.Distinct(StringComparer.Ordinal).Count());
        Assert.All(sqlite, v => Assert.Matches(@"^\d{4}_[a-z0-9_]+$", v));
    }

    [Fact]
    public void Scripts_UnknownProvider_Empty()
    {
        Assert.Empty(Schema.Scripts("mysql"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Scripts_CreateEveryTable(string provider)
    {
        var scripts = Schema.Scripts(provider);
        Assert.All(scripts, s => Assert.False(string.IsNullOrWhiteSpace(s.Sql), s.Version));
        var all = string.Join("\n", scripts.Select(s => s.Sql));
        foreach (var table in Tables)
        {
            Assert.Matches(new Regex($@"CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?{table}\s*\(", RegexOptions.IgnoreCase), all);
        }
    }

    [Theory]
    [InlineData("TerritoryCode", "territory_code")]
    [InlineData("Id", "id")]
    [InlineData("QueryCodeHash", "query_code_hash")]
    [InlineData("UnitTerritoryCode", "unit_territory_code")]
    [InlineData("Seq", "seq")]
    [InlineData("seq", "seq")]
    public void SnakeCase_PascalCase_LowerWithUnderscores(string name, string expected)
    {
        Assert.Equal(expected, DubanDb.SnakeCase(name));
    }
}
