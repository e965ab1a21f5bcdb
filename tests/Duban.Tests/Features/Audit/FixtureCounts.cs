namespace Duban.Tests.Features.Audit;

/// <summary>
/// What Fixtures/release-a848a4a holds, as its README and counts-*.txt state (the same on SQLite and
/// PostgreSQL: the same life made both). Never edited to make a test pass: a change here means the
/// release's database is read differently, or the fixture was made again (see its README).
/// </summary>
internal static class FixtureCounts
{
    public const int Events = 378;
    public const int Matters = 69;

    public static readonly IReadOnlyDictionary<string, int> EventsByAction = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["accept"] = 44,
        ["approve"] = 21,
        ["calendar_day_added"] = 1,
        ["catalogue_updated"] = 2,
        ["classify"] = 3,
        ["complete"] = 28,
        ["demo_loaded"] = 1,
        ["dispatch"] = 44,
        ["escalate"] = 10,
        ["extension_approve"] = 1,
        ["extension_refuse"] = 1,
        ["extension_request"] = 2,
        ["feedback"] = 9,
        ["geo_alias_added"] = 1,
        ["key_supervision"] = 1,
        ["merge"] = 4,
        ["merged_in"] = 4,
        ["milestone_done"] = 4,
        ["notice"] = 17,
        ["pause"] = 2,
        ["plan"] = 2,
        ["plan_required"] = 2,
        ["progress"] = 65,
        ["raiser_viewed"] = 2,
        ["register"] = 60,
        ["register_subtask"] = 9,
        ["reject"] = 4,
        ["remind"] = 6,
        ["reopen"] = 2,
        ["resume"] = 1,
        ["return"] = 5,
        ["return_review"] = 1,
        ["round_added"] = 3,
        ["round_changed"] = 1,
        ["round_withdrawn"] = 1,
        ["send_back"] = 1,
        ["split"] = 3,
        ["territory_corrected"] = 1,
        ["unit_changed"] = 1,
        ["units_imported"] = 1,
        ["urge"] = 5,
        ["user_added"] = 1,
        ["user_changed"] = 1,
    };

    public static readonly IReadOnlyDictionary<string, int> MattersByStatus = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["closed"] = 19,
        ["dispatched"] = 5,
        ["in_progress"] = 19,
        ["merged"] = 4,
        ["pending_review"] = 6,
        ["received"] = 9,
        ["rejected"] = 4,
        ["returned"] = 3,
    };
}
