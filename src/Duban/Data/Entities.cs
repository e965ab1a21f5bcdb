namespace Duban.Data;

/// <summary>An organisational unit: a party body, a government, a department, a town, an inspection group.</summary>
public sealed class Unit
{
    public required string Code { get; set; }
    public required string Name { get; set; }
    public string? ShortName { get; set; }
    public required string Kind { get; set; }
    public string? ParentCode { get; set; }
    /// <summary>The division code of the territory the unit answers for (属地).</summary>
    public required string TerritoryCode { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    /// <summary>Mobile numbers for notifications by SMS (its duty mobiles), comma-separated, 11 digits each; null: none.</summary>
    public string? Sms { get; set; }
}

public sealed class User
{
    public long Id { get; set; }
    public required string Username { get; set; }
    public required string DisplayName { get; set; }
    public required string UnitCode { get; set; }
    /// <summary>Comma-separated roles: admin, dispatcher, supervisor, handler, leader.</summary>
    public required string Roles { get; set; }
    public required string PasswordHash { get; set; }
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Every token carries it; a new one ends the account's sessions (Features/Auth, SecurityStamps).</summary>
    public string SecurityStamp { get; set; } = Features.Auth.SecurityStamps.New();
    /// <summary>The enrolled TOTP secret, sealed (Features/Auth, TwoFactor); null when not enrolled.</summary>
    public string? TotpSecret { get; set; }
    /// <summary>A secret set up and not confirmed yet, sealed.</summary>
    public string? TotpPending { get; set; }
    /// <summary>The last time step accepted: a code of that step or an earlier one is refused (no replay).</summary>
    public long? TotpStep { get; set; }
    /// <summary>The unused recovery codes' SHA-256, comma-separated.</summary>
    public string? RecoveryCodes { get; set; }
}

/// <summary>A matter (事项): one report, demand, proposal or assigned task, from intake to closure.</summary>
public sealed class Matter : Features.Matters.ILightFields
{
    public long Id { get; set; }
    public required string Number { get; set; }
    public required string Kind { get; set; }
    public required string Channel { get; set; }
    public required string Title { get; set; }
    public required string Content { get; set; }
    public string? Location { get; set; }

    /// <summary>The division where it happens (属地). Set it with <see cref="SetTerritory"/>.</summary>
    public string? TerritoryCode { get; set; }

    /// <summary>Derived from <see cref="TerritoryCode"/>, stored for the county list's index; audit verify checks it.</summary>
    public string? CountyCode { get; set; }
    public string? Category { get; set; }
    public required string Urgency { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
    public long? RegisteredBy { get; set; }
    public bool RaiserAnonymous { get; set; }
    /// <summary>Name and phone sealed with AES-GCM (see Features/Sealing); never stored in clear.</summary>
    public string? RaiserSealed { get; set; }
    public string? SubjectUnitCode { get; set; }
    public string? SubjectPerson { get; set; }
    public bool Confidential { get; set; }
    public required string Status { get; set; }
    public string? LeadUnitCode { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public long? ParentId { get; set; }
    public long? MergedIntoId { get; set; }
    public int Progress { get; set; }
    public string? Outcome { get; set; }
    public string? StatusReason { get; set; }
    public int? ExtensionRequestedDays { get; set; }
    public string? ExtensionReason { get; set; }
    public bool? FeedbackResolved { get; set; }
    public string? FeedbackSatisfaction { get; set; }
    public int UrgeCount { get; set; }
    public int ReturnCount { get; set; }
    public int ReopenCount { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    /// <summary>SHA-256 of the public query code given to the raiser; the code itself is never stored.</summary>
    public string? QueryCodeHash { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public int Version { get; set; }

    // The clock (Features/Supervision): the policy, the stages' deadlines, pauses and the automatic steps.

    /// <summary>The time-limit policy the matter runs under (Features/Supervision/Policies); null before its first dispatch.</summary>
    public string? TimePolicy { get; set; }
    /// <summary>When it must be dispatched (受理、转办时限), from registration; null when the policy sets none.</summary>
    public DateTimeOffset? AcceptDueAt { get; set; }
    /// <summary>When the handling clock started (the dispatch); with <see cref="DueAt"/>, it gives the share of time used.</summary>
    public DateTimeOffset? ClockStartedAt { get; set; }
    /// <summary>When the light turns yellow: the configured share of the time from the clock's start to the deadline.</summary>
    public DateTimeOffset? YellowAt { get; set; }
    /// <summary>Set while the clock is paused (a policy names the reasons); the deadline moves on by the pause when it resumes.</summary>
    public DateTimeOffset? PausedAt { get; set; }
    public string? PauseKind { get; set; }
    /// <summary>All the time the clock has been paused, in milliseconds.</summary>
    public long PausedMs { get; set; }
    /// <summary>Extensions approved under the current policy (a policy may allow only one).</summary>
    public int ExtensionCount { get; set; }
    /// <summary>重点督办: tighter light thresholds and progress required weekly.</summary>
    public bool KeySupervision { get; set; }
    /// <summary>A supervisor requires a rectification plan (整改方案) with milestones.</summary>
    public bool PlanRequired { get; set; }
    /// <summary>The last progress report (or the start of 重点督办), for the weekly progress rule.</summary>
    public DateTimeOffset? LastProgressAt { get; set; }
    /// <summary>A sub-task's weight in its parent's progress (1 by default).</summary>
    public int Weight { get; set; } = 1;
    /// <summary>The deadline the automatic steps below were taken for; a new deadline starts them afresh.</summary>
    public DateTimeOffset? StepsDueAt { get; set; }
    public DateTimeOffset? RemindedAt { get; set; }
    public DateTimeOffset? NoticedAt { get; set; }
    public DateTimeOffset? EscalatedAt { get; set; }
    public string? EscalatedTo { get; set; }

    /// <summary>
    /// The earliest warning point besides the time used (a late signature, a facet's such as a
    /// late milestone), so that the light is a rule over the matter's own fields. Derived from the
    /// hashed state by <see cref="Features.Matters.MatterClock.WarningPoint"/> at every change, like
    /// <see cref="CountyCode"/> not hashed itself; audit verify checks it.
    /// </summary>
    public DateTimeOffset? WarnAt { get; set; }

    public List<Assignment> Assignments { get; set; } = [];

    /// <summary>The state of the facets loaded with the matter (Features/Matters/Facets): a module's own rows, never mapped here.</summary>
    [System.ComponentModel.DataAnnotations.Schema.NotMapped]
    public Features.Matters.FacetStates Facets { get; } = new();

    public void SetTerritory(string? code)
    {
        TerritoryCode = code;
        CountyCode = CountyOf(code);
    }

    /// <summary>440781115 → 440781; a city or province code (440700, 440000) has no county.</summary>
    public static string? CountyOf(string? territory) =>
        territory is { Length: >= 6 } && territory[4..6] != "00" ? territory[..6] : null;

    public void ClearExtensionRequest()
    {
        ExtensionRequestedDays = null;
        ExtensionReason = null;
    }
}

/// <summary>A unit's share of a matter: the lead (主办) or a co-handler (协办).</summary>
public sealed class Assignment
{
    public long Id { get; set; }
    public long MatterId { get; set; }
    public required string UnitCode { get; set; }
    public required string UnitTerritoryCode { get; set; }
    public required string Role { get; set; }
    public DateTimeOffset AssignedAt { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
    /// <summary>When the unit must sign for its share (签收时限); the response rate counts signings by then.</summary>
    public DateTimeOffset? SignDueAt { get; set; }
    public bool Active { get; set; }

    /// <summary>The unit lies in a county, and it is not the matter's. Derived; audit verify checks it.</summary>
    public bool CrossesCounty { get; set; }

    /// <summary>
    /// The matter's state, copied by the database (triggers of schema 0034) and never written by Duban: a unit's matters
    /// in given states are found by ix_assignments_unit_status without reading the matters. audit verify checks it.
    /// </summary>
    public string? MatterStatus { get; set; }

    public static bool Crosses(string unitTerritoryCode, string? matterCountyCode) =>
        Matter.CountyOf(unitTerritoryCode) is { } unitCounty && unitCounty != matterCountyCode;
}

/// <summary>One appended, hash-chained audit event. Never updated, never deleted.</summary>
public sealed class MatterEvent
{
    public long Seq { get; set; }
    public long? MatterId { get; set; }
    public DateTimeOffset At { get; set; }
    public long? ActorId { get; set; }
    public required string ActorName { get; set; }
    public string? ActorUnitCode { get; set; }
    public required string Action { get; set; }
    public string? FromStatus { get; set; }
    public string? ToStatus { get; set; }
    public string? Reason { get; set; }
    /// <summary>JSON: {"before":{...},"after":{...}, ...details}.</summary>
    public required string Data { get; set; }
    /// <summary>Hash of the matter's full state after this event (empty for events on no matter).</summary>
    public required string StateHash { get; set; }
    public required string PrevHash { get; set; }
    public required string Hash { get; set; }

    /// <summary>The lane (audit chain) the event is on; null for the events of the first chain, from before schema 0016.</summary>
    public int? Chain { get; set; }

    /// <summary>The event's place in its lane: 1, 2, 3, … (null with <see cref="Chain"/>).</summary>
    public long? ChainSeq { get; set; }

    /// <summary>On a transaction's first event: JSON {"lane": length, …} of the other lanes as this one saw them (docs/adr/0006).</summary>
    public string? Anchors { get; set; }
}

/// <summary>The head of one lane of the audit chain: its last event's place and hash (docs/adr/0006).</summary>
public sealed class AuditChain
{
    public int Id { get; set; }
    public long Seq { get; set; }
    public required string Hash { get; set; }
}

public sealed class AuditHead
{
    public int Id { get; set; }
    public long Seq { get; set; }
    public required string Hash { get; set; }

    /// <summary>HMAC of a fixed text with the audit key: tells a wrong key from altered events.</summary>
    public string? KeyCheck { get; set; }

    /// <summary>Set once the accounts' and units' states are recorded in the chain (Features/Audit, EntityStates; schema 0028).</summary>
    public bool StatesRecorded { get; set; }

    /// <summary>HMACs of a fixed text with the seal and auth keys (Features/Sealing, KeyChecks; schema 0028).</summary>
    public string? SealKeyCheck { get; set; }

    public string? AuthKeyCheck { get; set; }
}

public sealed class IdempotencyRecord
{
    public required string Scope { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public long MatterId { get; set; }
    /// <summary>The first response, sealed (it may hold a public query code).</summary>
    public required string ResponseSealed { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A local name for a division that an administrator added (高新区 → 江海区); see Features/Geo.</summary>
public sealed class GeoAlias
{
    public long Id { get; set; }
    public required string Alias { get; set; }
    public required string Code { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

/// <summary>
/// One version of the dispatch catalogue (派单目录, see Features/Dispatching): its JSON as the API
/// takes it. Versions are appended, never changed (the database refuses it); the newest is in force.
/// </summary>
public sealed class DispatchCatalogue
{
    public int Version { get; set; }
    public required string Name { get; set; }
    public required string Content { get; set; }
    /// <summary>SHA-256 of <see cref="Content"/>, also in the version's catalogue_updated event.</summary>
    public required string ContentHash { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

/// <summary>
/// A return (退单) of a dispatched matter by its lead unit, and its judgement: pending with the
/// dispatcher, under review by a supervisor, upheld (re-dispatched elsewhere) or overruled (sent
/// back to the unit, an improper return). Counted per unit; see Features/Matters/Actions/Return.cs.
/// </summary>
public sealed class DispatchReturn
{
    public const string Pending = "pending";
    public const string Review = "review";
    public const string Upheld = "upheld";
    public const string Overruled = "overruled";

    public long Id { get; set; }
    public long MatterId { get; set; }
    public required string UnitCode { get; set; }
    public required string UnitTerritoryCode { get; set; }
    public DateTimeOffset DispatchedAt { get; set; }
    public DateTimeOffset WindowEndsAt { get; set; }
    public DateTimeOffset ReturnedAt { get; set; }
    public required string Reason { get; set; }
    public required string State { get; set; }
    public string? ReviewReason { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecidedBy { get; set; }

    public bool Open => State is Pending or Review;
}

/// <summary>
/// A notification (提醒、督办通知、提级督办…) to a unit, for the users there with one of its roles; in the
/// app, and by e-mail from this row as an outbox (Features/Notifications).
/// </summary>
public sealed class Notification
{
    public const string EmailNone = "none";
    public const string EmailPending = "pending";
    public const string EmailSent = "sent";
    public const string EmailFailed = "failed";

    public long Id { get; set; }
    public long? MatterId { get; set; }
    public long? EventSeq { get; set; }
    public required string UnitCode { get; set; }
    /// <summary>Comma-separated roles of the unit's users who see it (handler,leader).</summary>
    public required string Roles { get; set; }
    public required string Kind { get; set; }
    public required string Title { get; set; }
    public required string Body { get; set; }
    /// <summary>The English title and body, shown on an English page (null on rows older than schema 0041: the Chinese is shown).</summary>
    public string? TitleEn { get; set; }
    public string? BodyEn { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? EmailTo { get; set; }
    public required string EmailState { get; set; }
    public int EmailAttempts { get; set; }
    public DateTimeOffset? EmailClaimedAt { get; set; }
    public string? EmailClaimedBy { get; set; }
    public DateTimeOffset? EmailSentAt { get; set; }
    public string? EmailError { get; set; }
}

public sealed class NotificationRead
{
    public long NotificationId { get; set; }
    public long UserId { get; set; }
    public DateTimeOffset ReadAt { get; set; }
}

/// <summary>
/// A day an administrator added to the shipped calendar: a local day off (kind day_off) or an
/// adjusted working day (workday), e.g. a newly announced year. Rows are never changed but to be
/// withdrawn (active false); the newest active row for a date decides it (Features/Calendar).
/// </summary>
public sealed class CalendarDay
{
    public long Id { get; set; }
    /// <summary>yyyy-MM-dd.</summary>
    public required string Day { get; set; }
    /// <summary>day_off or workday.</summary>
    public required string Kind { get; set; }
    public required string Name { get; set; }
    public string? Note { get; set; }
    public bool Active { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

/// <summary>
/// A photo attached to a matter at its registration (Features/Attachments): a JPEG, PNG or WebP
/// image, its metadata stripped, the bytes kept here so that every node serves them.
/// </summary>
public sealed class Attachment
{
    public long Id { get; set; }
    public long MatterId { get; set; }
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public int Size { get; set; }
    /// <summary>SHA-256 of <see cref="Content"/>, lowercase hex; the register event records it.</summary>
    public required string Sha256 { get; set; }
    public required byte[] Content { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The staff member who registered the matter or took the action; null for the public portal.</summary>
    public long? CreatedBy { get; set; }
    /// <summary>The event that attached it (register, complete…): null for the rows before schema 0045 (portal photos, a proposal's reply PDF).</summary>
    public string? Action { get; set; }
    /// <summary>It shows who raised the matter (a signed letter's pages): only those who may read the sealed raiser see it.</summary>
    public bool IdentifiesRaiser { get; set; }
}

/// <summary>
/// An inspection round (巡察) as the city's administrators keep it (Features/Rounds): its period in
/// China dates (both included), its groups and the organisations each inspects as JSON
/// (<c>[{"code":…,"inspects":[…]}]</c>). Changed in place with <see cref="Version"/> raised; withdrawn, never deleted.
/// </summary>
public sealed class InspectionRoundRow
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public DateOnly FromDay { get; set; }
    public DateOnly ToDay { get; set; }
    public string? Period { get; set; }
    public string? Source { get; set; }
    public required string GroupsJson { get; set; }
    public bool Withdrawn { get; set; }
    public int Version { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }
}
