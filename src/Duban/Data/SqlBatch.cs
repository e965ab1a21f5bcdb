using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Duban.Data;

/// <summary>
/// The intake writer's statements (row inserts and the audit head), executed the cheapest way
/// each database allows, on the context's connection and transaction:
/// PostgreSQL gets everything as one command, multi-row INSERTs included, since there every
/// round trip costs; SQLite runs in-process, where a statement with thousands of named
/// parameters binds in quadratic time, so it gets one prepared single-row INSERT per table,
/// executed row after row. EF's change tracker costs more than either (docs/BENCHMARKS.md).
/// Insert statements are built from the EF model (table, columns, value converters), so they
/// cannot drift from the schema the rest of Duban uses. The intake writer and the tally (its rebuild and its counters' upserts) use this.
/// </summary>
public sealed class SqlBatch(DubanDb db)
{
    private abstract record Operation;
    private sealed record Statement(string Sql, object?[] Args) : Operation;
    private sealed record Rows(RowShape Shape, IReadOnlyCollection<object> Items) : Operation;

    private const int MaxParametersPerStatement = 30_000;

    private readonly List<Operation> operations = [];

    /// <summary>Appends one statement; its parameters are written {0}, {1}, ... as in EF's raw SQL.</summary>
    public SqlBatch Append(string statement, params object?[] args)
    {
        operations.Add(new Statement(statement, args));
        return this;
    }

    /// <summary>Appends the insertion of the rows given (nothing when there are none).</summary>
    public SqlBatch Insert<T>(IReadOnlyCollection<T> rows) where T : class
    {
        if (rows.Count > 0) operations.Add(new Rows(RowShape.Of(db.Model, typeof(T)), rows));
        return this;
    }

    /// <summary>Appends the insertion of rows of any mapped entity types, each by its own type (a module's rows written with a matter).</summary>
    public SqlBatch InsertEach(IEnumerable<object> rows)
    {
        foreach (var row in rows) operations.Add(new Rows(RowShape.Of(db.Model, row.GetType()), [row]));
        return this;
    }

    public async Task ExecuteAsync(CancellationToken ct)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("SqlBatch runs inside the caller's transaction");
        if (db.IsPostgres) await ExecuteAsOneCommandAsync(transaction, ct);
        else await ExecutePreparedAsync(transaction, ct);
        operations.Clear();
    }

    private async Task ExecuteAsOneCommandAsync(DbTransaction transaction, CancellationToken ct)
    {
        await using var cmd = transaction.Connection!.CreateCommand();
        cmd.Transaction = transaction;
        var sql = new StringBuilder();
        string Add(object? value)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@b" + cmd.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
            return p.ParameterName;
        }
        foreach (var operation in operations)
        {
            switch (operation)
            {
                case Statement s:
                    sql.Append(string.Format(CultureInfo.InvariantCulture, s.Sql, s.Args.Select(Add).ToArray<object>())).Append(";\n");
                    break;
                case Rows r:
                    // PostgreSQL takes at most 65,535 parameters per statement: one INSERT per chunk.
                    foreach (var chunk in r.Items.Chunk(Math.Max(1, MaxParametersPerStatement / r.Shape.Columns.Length)))
                    {
                        sql.Append(r.Shape.Prefix);
                        var first = true;
                        foreach (var row in chunk)
                        {
                            sql.Append(first ? "(" : ",\n(").AppendJoin(", ", r.Shape.Values(row).Select(Add)).Append(')');
                            first = false;
                        }
                        sql.Append(";\n");
                    }
                    break;
            }
        }
        cmd.CommandText = sql.ToString();
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task ExecutePreparedAsync(DbTransaction transaction, CancellationToken ct)
    {
        foreach (var operation in operations)
        {
            await using var cmd = transaction.Connection!.CreateCommand();
            cmd.Transaction = transaction;
            switch (operation)
            {
                case Statement s:
                    var names = s.Args.Select((_, i) => "@s" + i.ToString(CultureInfo.InvariantCulture)).ToArray<object>();
                    cmd.CommandText = string.Format(CultureInfo.InvariantCulture, s.Sql, names);
                    for (var i = 0; i < s.Args.Length; i++) AddParameter(cmd, (string)names[i], s.Args[i]);
                    await cmd.ExecuteNonQueryAsync(ct);
                    break;
                case Rows r:
                    cmd.CommandText = r.Shape.Prefix + "(" + string.Join(", ", r.Shape.Columns.Select((_, i) => "@c" + i.ToString(CultureInfo.InvariantCulture))) + ")";
                    for (var i = 0; i < r.Shape.Columns.Length; i++) AddParameter(cmd, "@c" + i.ToString(CultureInfo.InvariantCulture), null);
                    foreach (var row in r.Items)
                    {
                        var i = 0;
                        foreach (var value in r.Shape.Values(row)) cmd.Parameters[i++].Value = value ?? DBNull.Value;
                        await cmd.ExecuteNonQueryAsync(ct);
                    }
                    break;
            }
        }
    }

    private static void AddParameter(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }

    private sealed class RowShape(string prefix, (IClrPropertyGetter Get, Func<object?, object?>? Convert)[] columns)
    {
        // One shape per model and entity type (each provider has its own model), built on first use.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IModel, System.Collections.Concurrent.ConcurrentDictionary<Type, RowShape>> Shapes = [];

        public string Prefix { get; } = prefix;
        public (IClrPropertyGetter Get, Func<object?, object?>? Convert)[] Columns { get; } = columns;

        public IEnumerable<object?> Values(object row)
        {
            foreach (var (get, convert) in Columns)
            {
                var value = get.GetClrValueUsingContainingEntity(row);
                yield return convert is not null && value is not null ? convert(value) : value;
            }
        }

        public static RowShape Of(IModel model, Type type) =>
            Shapes.GetValue(model, _ => new()).GetOrAdd(type, t => Build(model, t));

        private static RowShape Build(IModel model, Type type)
        {
            var entity = model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not mapped");
            var table = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            // Keys the database generates (identity columns) are left to it.
            var properties = entity.GetProperties().Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd)).ToArray();
            var names = string.Join(", ", properties.Select(p => '"' + p.GetColumnName(store)! + '"'));
            return new RowShape($"INSERT INTO \"{table}\" ({names}) VALUES\n",
                [.. properties.Select(p => (p.GetGetter(), p.GetTypeMapping().Converter is { } c ? c.ConvertToProvider : null))]);
        }
    }
}
