using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Duban.Data;

/// <summary>
/// A plain command on the context's connection, inside its current transaction: for the few
/// statements on the write path that EF's query pipeline makes several times dearer than the
/// database work itself (counters, the audit head). Parameters are positional: @p0, @p1, ...
/// </summary>
public static class Sql
{
    public static DbCommand Command(DubanDb db, string sql, params object?[] args)
    {
        var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        cmd.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@p" + i;
            p.Value = args[i] ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }
}
