using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Duban.Data;

/// <summary>
/// Inserts many rows of one entity type through one prepared command on the context's own
/// connection and transaction. The statement is built from the EF model (table, columns, value
/// converters), so it cannot drift from the schema the rest of Duban uses. Only the intake
/// writer uses it: EF's change tracker costs more than the database on that hot path (see
/// docs/BENCHMARKS.md); everything else goes through the DbContext as usual.
/// </summary>
public sealed class RowWriter<T> : IAsyncDisposable where T : class
{
    private sealed record Shape(string Sql, (IClrPropertyGetter Get, Func<object?, object?>? Convert)[] Columns);

    // One shape per model (a provider has one model), built on first use.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IModel, Shape> Shapes = [];

    private readonly DbCommand command;
    private readonly Shape shape;

    public RowWriter(DubanDb db)
    {
        shape = Shapes.GetValue(db.Model, BuildShape);
        command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("RowWriter runs inside the caller's transaction");
        command.CommandText = shape.Sql;
        for (var i = 0; i < shape.Columns.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i;
            command.Parameters.Add(parameter);
        }
    }

    private static Shape BuildShape(IModel model)
    {
        var entity = model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped");
        var table = entity.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
        var properties = entity.GetProperties().ToArray();
        var names = string.Join(", ", properties.Select(p => '"' + p.GetColumnName(store)! + '"'));
        var values = string.Join(", ", properties.Select((_, i) => "@p" + i));
        return new Shape($"INSERT INTO \"{table}\" ({names}) VALUES ({values})",
            [.. properties.Select(p => (p.GetGetter(), p.GetTypeMapping().Converter is { } c ? c.ConvertToProvider : null))]);
    }

    public async Task InsertAsync(T row, CancellationToken ct)
    {
        for (var i = 0; i < shape.Columns.Length; i++)
        {
            var (get, convert) = shape.Columns[i];
            var value = get.GetClrValueUsingContainingEntity(row);
            if (convert is not null && value is not null) value = convert(value);
            command.Parameters[i].Value = value ?? DBNull.Value;
        }
        await command.ExecuteNonQueryAsync(ct);
    }

    public ValueTask DisposeAsync() => command.DisposeAsync();
}
