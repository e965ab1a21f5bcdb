using Duban.Common;

namespace Duban.Features.Matters;

public static class Deadline
{
    /// <summary>How far ahead a deadline may lie. Further is a typing error, not a plan.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(5 * 366);

    /// <summary>A deadline must lie in the future, and within five years.</summary>
    public static Error? Check(DateTimeOffset due, DateTimeOffset now) =>
        due <= now ? Error.Validation("the deadline must lie in the future / 办理期限必须晚于现在")
        : due > now + Horizon ? Error.Validation("the deadline must lie within five years / 办理期限不得超过五年")
        : null;
}
