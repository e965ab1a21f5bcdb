using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Duban.Data;
using Duban.Features.Audit;
using Duban.Features.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Duban.Features.Sealing;

/// <summary>
/// The deployment's three keys (seal, audit, auth), each loaded once from configuration or its key file
/// (<see cref="KeyFiles"/>). A missing key file is made only while the database holds no data (no event, no
/// account): a node given the audit key but not the others must not make its own and serve (issue 17).
/// </summary>
public sealed class DeploymentKeys
{
    private readonly Lazy<byte[]> seal, audit, auth;
    private readonly Lazy<IReadOnlyDictionary<int, byte[]>> sealRing;

    public DeploymentKeys(IConfiguration configuration, IOptions<AuthOptions> authOptions, IServiceScopeFactory scopes)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(authOptions);
        var dir = Hosting.DubanServices.DataDirectory(configuration);
        bool MayGenerate() => !DatabaseHoldsData(scopes);
        seal = new(() => KeyFiles.Load(configuration["Duban:Seal:Key"], dir, "seal", MayGenerate));
        audit = new(() => KeyFiles.Load(configuration["Duban:Audit:Key"], dir, "audit", MayGenerate));
        auth = new(() => KeyFiles.Load(authOptions.Value.SigningKey, dir, "auth", MayGenerate));
        sealRing = new(() => KeyFiles.SealRing(seal.Value, configuration.GetSection("Duban:Seal:Keys"), dir));
    }

    /// <summary>Seal key 1, the deployment's first: it keys the fingerprints and opens what was sealed before any rotation.</summary>
    public byte[] Seal => seal.Value;

    /// <summary>Every seal key this node holds by id: key 1, then those `keys rotate` made (keys/seal-N.key or Duban:Seal:Keys:N).</summary>
    public IReadOnlyDictionary<int, byte[]> SealRing => sealRing.Value;

    public byte[] Audit => audit.Value;

    public byte[] Auth => auth.Value;

    /// <summary>
    /// Only a missing table means "nothing yet": a busy or unreachable database says nothing about its data, and taking it
    /// for empty would make a new key over data written with another.
    /// </summary>
    private static bool IsMissingTable(DbException e) => e switch
    {
        Npgsql.PostgresException pg => pg.SqlState == "42P01", // undefined_table
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 1 && sqlite.Message.Contains("no such table", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>Any event or account: then the keys it was written with exist somewhere, and a new one would not match them.</summary>
    private static bool DatabaseHoldsData(IServiceScopeFactory scopes)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        try
        {
            db.Database.OpenConnection();
            using var cmd = Sql.Command(db, "SELECT CASE WHEN EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM users) THEN 1 ELSE 0 END");
            return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }
        catch (DbException e) when (IsMissingTable(e))
        {
            return false; // no schema yet: a database being made, nothing to match
        }
        finally
        {
            db.Database.CloseConnection();
        }
    }
}

/// <summary>
/// The seal and auth keys' check values (HMAC of a fixed text with the key) in the chain head, as the audit key's
/// (<see cref="AuditVerifier.KeyMatchesAsync"/>): the first node to start records them, every later one must hold the
/// same keys. Two nodes starting at once on an empty database: the first to record a value wins (one row changed);
/// the second finds 0 rows changed, reads the recorded value and refuses if it is not its own.
/// </summary>
public static class KeyChecks
{
    public static string CheckValue(byte[] key, string name) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"duban-{name}-key-check-v1")));

    /// <summary>
    /// The seal key's recorded check value: of the ring's current key, prefixed with its id after a rotation ("2:…");
    /// key 1's alone, as before key ids, so that a database and nodes from before them agree.
    /// </summary>
    public static string SealCheckValue(IReadOnlyDictionary<int, byte[]> ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var current = ring.Keys.Max();
        var check = CheckValue(ring[current], "seal");
        return current == 1 ? check : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{current}:{check}");
    }

    /// <summary>The id of the seal key a recorded check value is of.</summary>
    public static int SealKeyIdOf(string recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        var colon = recorded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && int.TryParse(recorded.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : 1;
    }

    /// <summary>
    /// Null when the node's keys are the deployment's; otherwise why this node must not start. <paramref name="sealRing"/>
    /// stands for the node's seal ring when given: `keys rotate` finishing a rotation whose new key file was written but
    /// not yet recorded checks the ring without it (SealKeyRotation.PendingKey).
    /// </summary>
    public static async Task<string?> MatchAsync(DubanDb db, DeploymentKeys keys, Sealer sealer,
        IReadOnlyDictionary<int, byte[]>? sealRing = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(sealer);
        var ring = sealRing ?? keys.SealRing;
        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, ct);
        var seal = SealCheckValue(ring);
        if (head.SealKeyCheck is null)
        {
            // A database from before the check values: the key must open what was sealed with the deployment's.
            var sealedOne = await db.Matters.AsNoTracking().Where(m => m.RaiserSealed != null).OrderBy(m => m.Id)
                .Select(m => new { m.Number, m.RaiserSealed }).FirstOrDefaultAsync(ct);
            if (sealedOne is not null && sealer.Open(sealedOne.RaiserSealed!, Matters.RegisterMatter.RaiserContext(sealedOne.Number)) is null)
                return Refusal("seal", "it does not open the identities sealed in this database");
        }
        if (!await ClaimAsync(db, "seal_key_check", head.SealKeyCheck, seal, ct))
            return SealRefusal(head.SealKeyCheck ?? await RecordedAsync(db, "seal_key_check", ct), ring);
        if (!await ClaimAsync(db, "auth_key_check", head.AuthKeyCheck, CheckValue(keys.Auth, "auth"), ct))
            return Refusal("auth", "another auth (token signing) key is recorded in this database");
        return null;
    }

    /// <summary>The key among seal and auth whose recorded check value is not this node's, or null; reads, never records.</summary>
    public static async Task<string?> DifferingAsync(DubanDb db, DeploymentKeys keys, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, ct);
        if (head.SealKeyCheck is { } seal && seal != SealCheckValue(keys.SealRing)) return "seal";
        if (head.AuthKeyCheck is { } auth && auth != CheckValue(keys.Auth, "auth")) return "auth";
        return null;
    }

    /// <summary>
    /// The recorded check value equals <paramref name="check"/>, recording it when none is (<paramref name="seen"/> null):
    /// only if still none, and the rows changed are read, so that of two nodes recording at once only the first wins.
    /// </summary>
    internal static async Task<bool> ClaimAsync(DubanDb db, string column, string? seen, string check, CancellationToken ct)
    {
        if (seen is not null) return seen == check;
        var open = db.Database.GetDbConnection().State == System.Data.ConnectionState.Open;
        if (!open) await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using (var update = Sql.Command(db, $"UPDATE audit_head SET {column} = @p0 WHERE id = 1 AND {column} IS NULL", check))
            {
                if (await update.ExecuteNonQueryAsync(ct) == 1) return true;
            }
            await using var read = Sql.Command(db, $"SELECT {column} FROM audit_head WHERE id = 1");
            return await read.ExecuteScalarAsync(ct) as string == check;
        }
        finally
        {
            if (!open) await db.Database.CloseConnectionAsync();
        }
    }

    internal static async Task<string?> RecordedAsync(DubanDb db, string column, CancellationToken ct)
    {
        var open = db.Database.GetDbConnection().State == System.Data.ConnectionState.Open;
        if (!open) await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var read = Sql.Command(db, $"SELECT {column} FROM audit_head WHERE id = 1");
            return await read.ExecuteScalarAsync(ct) as string;
        }
        finally
        {
            if (!open) await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Why a node's seal keys are not the deployment's, saying which key it lacks after a rotation.</summary>
    private static string SealRefusal(string? recorded, IReadOnlyDictionary<int, byte[]> ring)
    {
        var id = recorded is null ? 1 : SealKeyIdOf(recorded);
        var current = ring.Keys.Max();
        if (!ring.ContainsKey(id))
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The seal key of this deployment is now seal key {id} (made by `keys rotate`), and this node does not hold it: copy keys/seal-{id}.key " +
                $"(or set Duban:Seal:Keys:{id}) from the node that rotated, keeping the older ones; Duban does not start without it.");
        }
        if (current > id)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"This node holds seal key {current}, but the database records seal key {id} as the deployment's: a key file left by a `keys rotate` that did not " +
                $"finish, or another deployment's. Run `keys rotate` again to finish the rotation (it records that key, no other is made), " +
                $"or remove keys/seal-{current}.key (nothing is sealed under it here); Duban does not start with it.");
        }
        return Refusal("seal", "another seal key is recorded in this database");
    }

    private static string Refusal(string name, string why) =>
        $"The {name} key of this node is not the deployment's: {why}. Every node needs the same keys (configuration or keys/{name}.key, " +
        "copied from the first node); Duban does not start with another one.";
}

/// <summary>
/// What a node (at start) and a writing CLI verb check before they write: the audit key signs the chain, the seal and
/// auth keys are the deployment's (<see cref="KeyChecks"/>), and the accounts' and units' states are recorded
/// (<see cref="EntityStates.BaselineAsync"/>, once). Null when all is well; otherwise why it must not go on.
/// </summary>
public static class DeploymentChecks
{
    public static Task<string?> RunAsync(IServiceProvider services, CancellationToken ct = default) => RunAsync(services, null, ct);

    /// <param name="services">The scope's services.</param>
    /// <param name="sealRing">The seal ring to check instead of the node's (see <see cref="KeyChecks.MatchAsync"/>).</param>
    /// <param name="ct">Cancels the checks.</param>
    public static async Task<string?> RunAsync(IServiceProvider services, IReadOnlyDictionary<int, byte[]>? sealRing, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var db = services.GetRequiredService<DubanDb>();
        try
        {
            // Writing events with another key than the chain's would fork it beyond verification.
            if (!await AuditVerifier.KeyMatchesAsync(db, services.GetRequiredService<AuditKey>(), record: true, ct))
            {
                return "The audit key does not sign this database's event chain. Every node needs the deployment's key: set Duban:Audit:Key " +
                    "or provide its keys/audit.key; Duban does not start with another one.";
            }
            if (await KeyChecks.MatchAsync(db, services.GetRequiredService<DeploymentKeys>(), services.GetRequiredService<Sealer>(), sealRing, ct) is { } refused)
                return refused;
        }
        catch (KeyException e)
        {
            return e.Message; // a key missing over existing data, or of the wrong length (KeyFiles)
        }
        await EntityStates.BaselineAsync(db, services.GetRequiredService<AuditLog>(), ct);
        return null;
    }
}
