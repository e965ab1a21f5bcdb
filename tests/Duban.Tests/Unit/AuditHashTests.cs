using Duban.Data;
using Duban.Features.Audit;

namespace Duban.Tests.Unit;

public sealed class AuditHashTests
{
    private static readonly AuditKey Key = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static readonly DateTimeOffset At = new(2025, 5, 20, 8, 30, 15, 250, TimeSpan.Zero);

    private static MatterEvent Event() => new()
    {
        Seq = 17,
        MatterId = 3,
        At = At,
        ActorId = 9,
        ActorName = "市督查室 王调度",
        ActorUnitCode = "JM-DCS",
        Action = "dispatch",
        FromStatus = "received",
        ToStatus = "dispatched",
        Reason = "请于5个工作日内办结",
        Data = "{\"lead\":\"JM-PJ\"}",
        StateHash = new string('a', 64),
        PrevHash = new string('b', 64),
        Hash = "",
    };

    public static TheoryData<string> EventFields =>
    [
        "Seq", "MatterId", "MatterIdNull", "At", "ActorId", "ActorIdNull", "ActorName", "ActorUnitCode", "ActorUnitCodeNull",
        "Action", "FromStatus", "FromStatusNull", "ToStatus", "ToStatusNull", "Reason", "ReasonNull", "ReasonEmpty",
        "Data", "StateHash", "PrevHash",
    ];

    private static void Change(MatterEvent e, string field)
    {
        switch (field)
        {
            case "Seq": e.Seq++; break;
            case "MatterId": e.MatterId = 4; break;
            case "MatterIdNull": e.MatterId = null; break;
            case "At": e.At = e.At.AddMilliseconds(1); break;
            case "ActorId": e.ActorId = 10; break;
            case "ActorIdNull": e.ActorId = null; break;
            case "ActorName": e.ActorName += "x"; break;
            case "ActorUnitCode": e.ActorUnitCode = "JM-PJ"; break;
            case "ActorUnitCodeNull": e.ActorUnitCode = null; break;
            case "Action": e.Action = "urge"; break;
            case "FromStatus": e.FromStatus = "returned"; break;
            case "FromStatusNull": e.FromStatus = null; break;
            case "ToStatus": e.ToStatus = "in_progress"; break;
            case "ToStatusNull": e.ToStatus = null; break;
            case "Reason": e.Reason = "请于3个工作日内办结"; break;
            case "ReasonNull": e.Reason = null; break;
            case "ReasonEmpty": e.Reason = ""; break;
            case "Data": e.Data = "{\"lead\":\"JM-JH\"}"; break;
            case "StateHash": e.StateHash = new string('c', 64); break;
            case "PrevHash": e.PrevHash = new string('a', 63) + "b"; break;
            default: throw new ArgumentOutOfRangeException(nameof(field), field, null);
        }
    }

    [Theory]
    [MemberData(nameof(EventFields))]
    public void EventHash_AnyFieldChanged_HashChanges(string field)
    {
        var original = Event();
        var changed = Event();
        Change(changed, field);
        Assert.NotEqual(AuditLog.EventHash(original, Key), AuditLog.EventHash(changed, Key));
    }

    [Fact]
    public void EventHash_EqualInput_SameLowercaseHex()
    {
        var a = AuditLog.EventHash(Event(), Key);
        Assert.Equal(a, AuditLog.EventHash(Event(), Key));
        Assert.Matches("^[0-9a-f]{64}$", a);
    }

    [Fact]
    public void EventHash_IgnoresItsOwnHashField()
    {
        var e = Event();
        var before = AuditLog.EventHash(e, Key);
        e.Hash = before;
        Assert.Equal(before, AuditLog.EventHash(e, Key));
    }

    [Fact]
    public void EventHash_SameInstantAnyOffset_SameHash()
    {
        var e = Event();
        e.At = At.ToOffset(TimeSpan.FromHours(8));
        Assert.Equal(AuditLog.EventHash(Event(), Key), AuditLog.EventHash(e, Key));
    }

    [Fact]
    public void EventHash_FieldBoundariesAreNotAmbiguous()
    {
        // Moving text from one field to the next must not give the same hash.
        var a = Event();
        a.FromStatus = "receiveddis";
        a.ToStatus = "patched";
        var b = Event();
        b.FromStatus = "received";
        b.ToStatus = "dispatched";
        Assert.NotEqual(AuditLog.EventHash(a, Key), AuditLog.EventHash(b, Key));
    }

    /// <summary>The facets Duban registers, in its order: the hash takes their parts.</summary>
    private static readonly IReadOnlyList<Duban.Features.Matters.MatterFacet> Facets =
        [new Duban.Features.SubTasks.SubTasksFacet(), new Duban.Features.RectificationPlans.PlanFacet()];

    private static Matter Matter() => new()
    {
        Id = 3,
        Number = "JM-2025-000003",
        Kind = "complaint",
        Channel = "hotline",
        Title = "蓬江区某小区噪音扰民",
        Content = "夜间施工噪音",
        Urgency = "normal",
        Status = "in_progress",
        ReceivedAt = At,
        RegisteredAt = At,
        RaiserSealed = "v1:AAAA",
        LeadUnitCode = "JM-PJ",
        DueAt = At.AddDays(5),
        UpdatedAt = At,
        Version = 4,
        Assignments =
        [
            new Assignment { UnitCode = "JM-PJ", UnitTerritoryCode = "440703", Role = "lead", AssignedAt = At, Active = true },
            new Assignment { UnitCode = "JM-HB", UnitTerritoryCode = "440700", Role = "co", AssignedAt = At.AddMinutes(1), Active = true },
            new Assignment { UnitCode = "JM-CG", UnitTerritoryCode = "440700", Role = "co", AssignedAt = At.AddMinutes(1), Active = false },
        ],
    };

    public static TheoryData<string> MatterFields =>
    [
        "Status", "Title", "RaiserSealed", "RaiserSealedNull", "Version", "AssignmentActive", "AssignmentRemoved",
        "AssignmentAdded", "DueAt", "Progress", "LeadUnitCode",
    ];

    private static void Change(Matter m, string field)
    {
        switch (field)
        {
            case "Status": m.Status = "pending_review"; break;
            case "Title": m.Title += "。"; break;
            case "RaiserSealed": m.RaiserSealed = "v1:AAAB"; break;
            case "RaiserSealedNull": m.RaiserSealed = null; break;
            case "Version": m.Version++; break;
            case "AssignmentActive": m.Assignments[1].Active = false; break;
            case "AssignmentRemoved": m.Assignments.RemoveAt(2); break;
            case "AssignmentAdded":
                m.Assignments.Add(new Assignment { UnitCode = "JM-XH", UnitTerritoryCode = "440705", Role = "co", AssignedAt = At.AddHours(1), Active = true });
                break;
            case "DueAt": m.DueAt = m.DueAt!.Value.AddDays(1); break;
            case "Progress": m.Progress = 50; break;
            case "LeadUnitCode": m.LeadUnitCode = "JM-HB"; break;
            default: throw new ArgumentOutOfRangeException(nameof(field), field, null);
        }
    }

    [Theory]
    [MemberData(nameof(MatterFields))]
    public void StateHash_FieldChanged_HashChanges(string field)
    {
        var changed = Matter();
        Change(changed, field);
        Assert.NotEqual(AuditLog.StateHash(Matter(), Facets), AuditLog.StateHash(changed, Facets));
    }

    [Fact]
    public void StateHash_EqualInput_SameHash()
    {
        var a = AuditLog.StateHash(Matter(), Facets);
        Assert.Equal(a, AuditLog.StateHash(Matter(), Facets));
        Assert.Matches("^[0-9a-f]{64}$", a);
    }

    [Fact]
    public void StateHash_AssignmentOrderInList_DoesNotMatter()
    {
        var reversed = Matter();
        reversed.Assignments.Reverse();
        var rotated = Matter();
        rotated.Assignments = [rotated.Assignments[1], rotated.Assignments[2], rotated.Assignments[0]];
        var expected = AuditLog.StateHash(Matter(), Facets);
        Assert.Equal(expected, AuditLog.StateHash(reversed, Facets));
        Assert.Equal(expected, AuditLog.StateHash(rotated, Facets));
    }

    [Fact]
    public void StateHash_IgnoresAssignmentDatabaseIds()
    {
        var withIds = Matter();
        for (var i = 0; i < withIds.Assignments.Count; i++)
        {
            withIds.Assignments[i].Id = 100 + i;
            withIds.Assignments[i].MatterId = 3;
        }
        Assert.Equal(AuditLog.StateHash(Matter(), Facets), AuditLog.StateHash(withIds, Facets));
    }

    [Fact]
    public void EventHash_OtherKey_OtherHash_SoTheChainCannotBeRecomputedWithoutTheKey()
    {
        var other = new AuditKey(Enumerable.Range(2, 32).Select(i => (byte)i).ToArray());
        Assert.NotEqual(AuditLog.EventHash(Event(), Key), AuditLog.EventHash(Event(), other));
    }
}
