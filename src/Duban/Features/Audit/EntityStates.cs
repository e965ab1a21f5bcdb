using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Audit;

/// <summary>
/// The recorded state of the accounts and units (issue 17): who may open a sealed identity or administer follows
/// from an account's roles, unit and active flag and from a unit's kind and parent, so a row rewritten behind
/// Duban's back must be as visible to `audit verify` as a matter changed after its last event. Every audited
/// change that touches an account or a unit records, in its event's data, <c>"states": {"user:12": hash,
/// "unit:4407-dcs": hash}</c> (inside the event's HMAC); verify compares the current rows with the last state
/// recorded for each. The password hash joins as its own SHA-256: the event never holds it, only a hash of it.
/// Inspection rounds are recorded the same way. The first start on schema 0028 records every row once (<see cref="BaselineAction"/>); from then on a row
/// without a recorded state was inserted outside Duban.
/// </summary>
public static class EntityStates
{
    /// <summary>The one event that records every account and unit as they were when recording began.</summary>
    public const string BaselineAction = "states_recorded";

    public static string Key(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return "user:" + user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Key(Unit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return "unit:" + unit.Code;
    }

    /// <summary>An account's state: its name, unit, roles, active flag and (hashed again) password hash; not its sessions or second factor.</summary>
    public static string Hash(User u)
    {
        ArgumentNullException.ThrowIfNull(u);
        return Sha(JsonSerializer.Serialize(new object?[] { u.Id, u.Username, u.DisplayName, u.UnitCode, u.Roles, u.Active, Sha(u.PasswordHash) }));
    }

    /// <summary>
    /// A unit's state: every stored field. The SMS numbers (schema 0048) join only when set, so the states recorded before
    /// them still hold for a unit without any; numbers written behind Duban's back (to read a unit's notices) are caught.
    /// </summary>
    public static string Hash(Unit u)
    {
        ArgumentNullException.ThrowIfNull(u);
        object?[] fields = [u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email];
        return Sha(JsonSerializer.Serialize(u.Sms is null ? fields : [.. fields, u.Sms]));
    }

    public static string Key(InspectionRoundRow round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return "round:" + round.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>An inspection round's state (巡察, who inspects whom and when: it decides which matters a group sees): every field but who and when changed it.</summary>
    public static string Hash(InspectionRoundRow r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return Sha(JsonSerializer.Serialize(new object?[]
        {
            r.Id, r.Name, r.FromDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            r.ToDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), r.Period, r.Source, r.GroupsJson, r.Withdrawn, r.Version,
        }));
    }

    /// <summary>The rows whose states are recorded: accounts, units, inspection rounds.</summary>
    internal static bool IsRecorded(object row) => row is User or Unit or InspectionRoundRow;

    /// <summary>Adds the states of the rows among <paramref name="rows"/> that are recorded (<see cref="IsRecorded"/>).</summary>
    public static void Record(JsonObject data, IEnumerable<object> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        Record(data, list.OfType<User>(), list.OfType<Unit>());
        var states = (JsonObject)data["states"]!;
        foreach (var r in list.OfType<InspectionRoundRow>().OrderBy(r => r.Id)) states[Key(r)] = Hash(r);
    }

    /// <summary>Adds the rows' states to an event's data (merged with any already there).</summary>
    public static void Record(JsonObject data, IEnumerable<User> users, IEnumerable<Unit> units)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(units);
        if (data["states"] is not JsonObject states)
        {
            states = [];
            data["states"] = states;
        }
        foreach (var u in users.OrderBy(u => u.Id)) states[Key(u)] = Hash(u);
        foreach (var u in units.OrderBy(u => u.Code, StringComparer.Ordinal)) states[Key(u)] = Hash(u);
    }

    /// <summary>The states an event recorded, if any (for verify's walk: a cheap test before parsing).</summary>
    internal static JsonObject? Of(string data)
    {
        if (!data.Contains("\"states\":{", StringComparison.Ordinal)) return null;
        return JsonNode.Parse(data) is JsonObject o && o["states"] is JsonObject states ? states : null;
    }

    /// <summary>
    /// Records every account and unit once, the first time a node or a writing verb starts on schema 0028: one
    /// <see cref="BaselineAction"/> event (also on an empty database, so that a second one, after someone cleared
    /// the flag to have tampered rows recorded as they are, is itself a finding of verify). Nodes starting together:
    /// the first to set the flag (one row changed) writes the event; the others find nothing to do.
    /// </summary>
    public static async Task BaselineAsync(DubanDb db, AuditLog audit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(audit);
        if (await db.AuditHeads.AsNoTracking().AnyAsync(h => h.Id == 1 && h.StatesRecorded, ct)) return;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await audit.LockAsync(ct);
        var claimed = await db.AuditHeads.Where(h => h.Id == 1 && !h.StatesRecorded).ExecuteUpdateAsync(s => s.SetProperty(h => h.StatesRecorded, true), ct);
        if (claimed == 0)
        {
            await tx.RollbackAsync(ct);
            return;
        }
        var users = await db.Users.AsNoTracking().ToListAsync(ct);
        var units = await db.Units.AsNoTracking().ToListAsync(ct);
        var rounds = await db.InspectionRounds.AsNoTracking().ToListAsync(ct);
        var data = new JsonObject { ["users"] = users.Count, ["units"] = units.Count, ["rounds"] = rounds.Count };
        Record(data, [.. users, .. units, .. rounds]);
        await audit.AppendAsync(null, Actor.System(), BaselineAction, data: data, ct: ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        // The scope goes on (a CLI verb after the checks, `demo reset` on a new schema): it tracks nothing of this.
        db.ChangeTracker.Clear();
    }

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
