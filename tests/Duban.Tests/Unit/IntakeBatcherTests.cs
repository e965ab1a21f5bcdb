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
}
