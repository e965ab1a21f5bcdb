namespace Duban.Features.Matters;

/// <summary>States of a matter (API values), with the Chinese term the staff use. Arrays, so EF translates Contains to IN.</summary>
public static class Status
{
    public const string Received = "received";            // 已受理
    public const string Dispatched = "dispatched";        // 已交办, waiting for the unit to sign for it
    public const string InProgress = "in_progress";       // 办理中
    public const string PendingReview = "pending_review"; // 待审核
    public const string Closed = "closed";                // 已办结
    public const string Returned = "returned";            // 已退回
    public const string Rejected = "rejected";            // 不予受理
    public const string Merged = "merged";                // 已合并

    public static readonly string[] All =
    [
        Received, Dispatched, InProgress, PendingReview, Closed, Returned, Rejected, Merged,
    ];

    /// <summary>States in which a unit holds the matter and its deadline runs.</summary>
    public static readonly string[] Running =
    [
        Dispatched, InProgress, PendingReview,
    ];

    /// <summary>States from which nothing more happens unless a supervisor reopens.</summary>
    public static readonly string[] Finished =
    [
        Closed, Rejected, Merged,
    ];

    public static string Chinese(string status) => status switch
    {
        Received => "已受理",
        Dispatched => "已交办",
        InProgress => "办理中",
        PendingReview => "待审核",
        Closed => "已办结",
        Returned => "已退回",
        Rejected => "不予受理",
        Merged => "已合并",
        _ => status,
    };
}

public static class Vocabulary
{
    /// <summary>The core's kinds (MatterKinds.Core), which a policy file may name.</summary>
    public static readonly IReadOnlySet<string> Kinds = Set([.. MatterKinds.Core.Select(k => k.Kind)]);
    /// <summary>The channels a registration may name (MatterChannels.Core); modules' channels are for the matters they make.</summary>
    public static readonly IReadOnlySet<string> Channels = Set([.. MatterChannels.Core.Select(c => c.Channel)]);
    public static readonly IReadOnlySet<string> Urgencies = Set("normal", "urgent", "emergency");
    public static readonly IReadOnlySet<string> Satisfactions = Set("satisfied", "basically_satisfied", "dissatisfied");

    private static HashSet<string> Set(params string[] values) => new(values, StringComparer.Ordinal);
}
