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

    public DeploymentKeys(IConfiguration configuration, IOptions<AuthOptions> authOptions, IServiceScopeFactory scopes)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(authOptions);
        var dir = Hosting.DubanServices.DataDirectory(configuration);
        bool MayGenerate() => !DatabaseHoldsData(scopes);
        seal = new(() => KeyFiles.Load(configuration["Duban:Seal:Key"], dir, "seal", MayGenerate));
        audit = new(() => KeyFiles.Load(configuration["Duban:Audit:Key"], dir, "audit", MayGenerate));
        auth = new(() => KeyFiles.Load(authOptions.Value.SigningKey, dir, "auth", MayGenerate));
    }

    public byte[] Seal => seal.Value;

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

    /// <summary>Null when the node's keys are the deployment's; otherwise why this node must not start.</summary>
    public static async Task<string?> MatchAsync(DubanDb db, DeploymentKeys keys, Sealer sealer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(sealer);
        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, ct);
        var seal = CheckValue(keys.Seal, "seal");
        if (head.SealKeyCheck is null)
        {
            // A database from before the check values: the key must open what was sealed with the deployment's.
            var sealedOne = await db.Matters.AsNoTracking().Where(m => m.RaiserSealed != null).OrderBy(m => m.Id)
                .Select(m => new { m.Number, m.RaiserSealed }).FirstOrDefaultAsync(ct);
            if (sealedOne is not null && sealer.Open(sealedOne.RaiserSealed!, Matters.RegisterMatter.RaiserContext(sealedOne.Number)) is null)
                return Refusal("seal", "it does not open the identities sealed in this database");
        }
        if (!await ClaimAsync(db, "seal_key_check", head.SealKeyCheck, seal, ct)) return Refusal("seal", "another seal key is recorded in this database");
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
        if (head.SealKeyCheck is { } seal && seal != CheckValue(keys.Seal, "seal")) return "seal";
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
    public static async Task<string?> RunAsync(IServiceProvider services, CancellationToken ct = default)
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
            if (await KeyChecks.MatchAsync(db, services.GetRequiredService<DeploymentKeys>(), services.GetRequiredService<Sealer>(), ct) is { } refused)
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
