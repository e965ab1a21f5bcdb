using System.Security.Cryptography;
using Duban.Features.Audit;
using Duban.Features.Intake;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Sealing;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Sealing;

/// <summary>
/// Issue 17, "Keys that cannot drift apart": a node whose seal or auth key is not the deployment's refuses to start;
/// no key is made over existing data; of two nodes recording their key check values at once, the first wins; a
/// matter sealed under a key the deployment does not know is named by verify. Each test has a deployment of its own.
/// </summary>
[Trait("Category", "Database")]
public sealed class KeyChecksTests
{
    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Theory]
    [InlineData("Duban:Seal:Key", "seal key")]
    [InlineData("Duban:Auth:SigningKey", "auth key")]
    public async Task Node_WithAnotherSealOrAuthKey_RefusesToStart(string setting, string named)
    {
        await using var first = await KeyDeployment.StartAsync();
        await using var second = first.Sibling();
        second.Settings[setting] = NewKey();
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => second.Server));
        Assert.Contains(named, Flatten(refused));
        // The deployment's own keys still start a node.
        await using var third = first.Sibling();
        _ = third.Server;
    }

    [Fact]
    public async Task Node_WithoutTheSealKeyFile_OverExistingData_RefusesAndMakesNone()
    {
        await using var first = await KeyDeployment.StartAsync();
        var file = Path.Combine(KeyDeployment.DataDirectory(first), "keys", "seal.key");
        var aside = file + ".aside";
        File.Move(file, aside);
        try
        {
            await using var second = first.Sibling();
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => second.Server));
            Assert.Contains("No seal key", Flatten(refused));
            Assert.False(File.Exists(file));
        }
        finally
        {
            File.Move(aside, file);
        }
    }

    [Fact]
    public void KeyFile_MadeOnlyWhenTheDatabaseHoldsNothing()
    {
        var dir = Path.Combine(Path.GetTempPath(), "duban-keys-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Assert.Throws<KeyException>(() => KeyFiles.Load(null, dir, "seal", () => false));
            Assert.False(File.Exists(Path.Combine(dir, "keys", "seal.key")));
            var made = KeyFiles.Load(null, dir, "seal", () => true);
            Assert.Equal(made, KeyFiles.Load(null, dir, "seal", () => false));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task KeyCheck_SecondWriterAfterTheFirst_ChangesNoRow_AndIsRefused()
    {
        await using var first = await KeyDeployment.StartAsync();
        await using var scope = first.Scope();
        var db = first.Db(scope);
        foreach (var column in new[] { "key_check", "seal_key_check", "auth_key_check" })
        {
            await db.Database.ExecuteSqlRawAsync(column switch
            {
                "key_check" => "UPDATE audit_head SET key_check = NULL WHERE id = 1",
                "seal_key_check" => "UPDATE audit_head SET seal_key_check = NULL WHERE id = 1",
                _ => "UPDATE audit_head SET auth_key_check = NULL WHERE id = 1",
            });
            // Both nodes read no value; the first records its own…
            Assert.True(await KeyChecks.ClaimAsync(db, column, null, "first", default));
            // …the second's update changes 0 rows: it reads the first's value and is refused; the first's stays.
            Assert.False(await KeyChecks.ClaimAsync(db, column, null, "second", default));
            Assert.True(await KeyChecks.ClaimAsync(db, column, null, "first", default));
        }
    }

    [Fact]
    public async Task TwoNodesStartingAtOnce_OnAnEmptyDatabase_WithDifferentAuditKeys_OnlyOneStarts()
    {
        await using var first = new DubanFactory();
        first.Settings["Duban:Demo:Matters"] = "false";
        await first.CreateDatabaseAsync();
        await using var second = first.Sibling();
        second.Settings["Duban:Demo:Matters"] = "false";
        second.Settings["Duban:Audit:Key"] = NewKey();
        var started = await Task.WhenAll(Starts(first), Starts(second));
        Assert.Single(started, s => s);
    }

    [Fact]
    public async Task Verify_MatterSealedUnderAKeyTheDeploymentDoesNotKnow_IsNamed()
    {
        await using var node = await KeyDeployment.StartAsync();
        await using var scope = node.Scope();
        var sp = scope.ServiceProvider;
        // What a node that made its own seal key would have registered: a chain intact, a raiser nobody else can open.
        var foreign = ActivatorUtilities.CreateInstance<RegisterMatter>(sp, new Sealer(RandomNumberGenerator.GetBytes(32)));
        var filed = await PublicReportsApi.FileAsync(new("complaint", "外来密钥封存", "路灯不亮。", "台山市川岛镇", Anonymous: false, "张三", "13800000000"),
            // With a photo: written by this RegisterMatter itself, not by the node's group commit (IntakeBatcher, the node's own sealer).
            null, foreign, sp.GetRequiredService<IAutoDispatch>(), default, [new Duban.Features.Attachments.PhotoUpload("灯.png", Duban.Tests.Features.Attachments.TestImages.Png(metadata: false))]);
        Assert.True(filed.IsSuccess, filed.Error?.Message);
        var db = node.Db(scope);
        var blind = await AuditVerifier.VerifyAsync(db, sp.GetRequiredService<AuditKey>(), sp.GetRequiredService<MatterClock>());
        Assert.True(blind.Intact, blind.FirstProblem);
        var report = await node.Verify(db);
        Assert.False(report.Intact);
        Assert.Contains("sealed under a key", report.FirstProblem);
        Assert.Contains(filed.Value.Receipt.Receipt, report.FirstProblem);
    }

    private static async Task<bool> Starts(DubanFactory node)
    {
        try
        {
            await Task.Run(() => node.Server);
            return true;
        }
        catch (Exception e) when (Flatten(e).Contains("audit key", StringComparison.Ordinal))
        {
            return false;
        }
    }

    private static string Flatten(Exception e) => e is AggregateException a ? string.Join(" | ", a.Flatten().InnerExceptions.Select(Flatten)) : e.Message + (e.InnerException is { } inner ? " | " + Flatten(inner) : "");
}
