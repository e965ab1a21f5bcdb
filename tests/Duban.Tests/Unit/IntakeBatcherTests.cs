using Duban.Features.Matters;
using Microsoft.Data.Sqlite;

namespace Duban.Tests.Unit;

public sealed class IntakeBatcherTests
{
    [Fact]
    public void IsDataError_ConstraintViolation_True_SoTheBatchIsRetriedOneByOne()
    {
        Assert.True(IntakeBatcher.IsDataError(new SqliteException("UNIQUE constraint failed", 19)));
        Assert.True(IntakeBatcher.IsDataError(new Microsoft.EntityFrameworkCore.DbUpdateException("x", new SqliteException("constraint", 19))));
    }

    [Fact]
    public void IsDataError_BusyTimeoutOrAnythingElse_False_SoTheBatchFailsAtOnce()
    {
        Assert.False(IntakeBatcher.IsDataError(new SqliteException("database is locked", 5)));
        Assert.False(IntakeBatcher.IsDataError(new TimeoutException()));
        Assert.False(IntakeBatcher.IsDataError(new InvalidOperationException()));
    }

    [Theory]
    [InlineData("23505", true)]   // unique violation
    [InlineData("22001", true)]   // string too long
    [InlineData("40P01", false)]  // deadlock
    [InlineData("08006", false)]  // connection failure
    [InlineData("57014", false)]  // query cancelled
    public void IsDataError_PostgreSqlStates(string sqlState, bool expected)
    {
        Assert.Equal(expected, IntakeBatcher.IsDataError(new Npgsql.PostgresException("x", "ERROR", "ERROR", sqlState)));
    }
}
