using System.Net.Http.Json;
using System.Security.Cryptography;
using Duban.Common;
using Duban.Data;
using Duban.Features.Attachments;
using Duban.Features.Audit;
using Duban.Features.Auth;
using Duban.Features.Intake;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Tests.Features.Attachments;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Audit;

/// <summary>
/// Issue 17, "The audit misses nothing": rows that decide who may see and open what (accounts, units), the photos'
/// bytes, and the chain's tail cut with its head moved back, each changed behind Duban's back, are named by verify.
/// Each test restores what it changed, and verify passes again.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class AuditMissesNothingTests(DubanFactory factory)
{
    private const string Handler = "h-440781115";

    [Fact]
    public async Task Verify_UserRolesRewrittenInTheDatabase_NamesTheAccount()
    {
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var roles = await db.Users.Where(u => u.Username == Handler).Select(u => u.Roles).SingleAsync();
        await db.Users.Where(u => u.Username == Handler).ExecuteUpdateAsync(s => s.SetProperty(u => u.Roles, "admin,handler"));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"account {Handler}", report.FirstProblem);
        }
        finally
        {
            await db.Users.Where(u => u.Username == Handler).ExecuteUpdateAsync(s => s.SetProperty(u => u.Roles, roles));
        }
        var again = await factory.Verify(db);
        Assert.True(again.Intact, again.FirstProblem);
    }

    [Fact]
    public async Task Verify_PasswordHashReplaced_NamesTheAccount_WithoutTheHash()
    {
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var hash = await db.Users.Where(u => u.Username == "admin").Select(u => u.PasswordHash).SingleAsync();
        var known = Passwords.Hash("attacker-knows-this", 10_000);
        await db.Users.Where(u => u.Username == "admin").ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, known));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains("account admin", report.FirstProblem);
            Assert.DoesNotContain(hash, report.FirstProblem);
        }
        finally
        {
            await db.Users.Where(u => u.Username == "admin").ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, hash));
        }
        Assert.True((await factory.Verify(db)).Intact);
        // No event holds the password hash itself.
        Assert.False(await db.Events.AnyAsync(e => e.Data.Contains(hash)));
    }

    [Fact]
    public async Task Verify_AccountInsertedOutsideDuban_IsCaught()
    {
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var name = "intruder-" + Guid.NewGuid().ToString("N")[..6];
        db.Users.Add(new User { Username = name, DisplayName = "不速之客", UnitCode = "4407-zsj", Roles = "admin", PasswordHash = "x", CreatedAt = factory.Clock.GetUtcNow() });
        await db.SaveChangesAsync();
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"account {name}", report.FirstProblem);
            Assert.Contains("added outside Duban", report.FirstProblem);
        }
        finally
        {
            await db.Users.Where(u => u.Username == name).ExecuteDeleteAsync();
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Theory]
    [InlineData("parent")]
    [InlineData("kind")]
    public async Task Verify_UnitParentOrKindChanged_NamesTheUnit(string field)
    {
        const string code = "440781115";
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var unit = await db.Units.AsNoTracking().SingleAsync(u => u.Code == code);
        await (field == "parent"
            ? db.Units.Where(u => u.Code == code).ExecuteUpdateAsync(s => s.SetProperty(u => u.ParentCode, "4407-dcs"))
            : db.Units.Where(u => u.Code == code).ExecuteUpdateAsync(s => s.SetProperty(u => u.Kind, "supervision_office")));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"unit {code}", report.FirstProblem);
        }
        finally
        {
            await db.Units.Where(u => u.Code == code).ExecuteUpdateAsync(s => s.SetProperty(u => u.ParentCode, unit.ParentCode).SetProperty(u => u.Kind, unit.Kind));
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Verify_InspectionRoundChangedInTheDatabase_NamesTheRound()
    {
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        await scope.ServiceProvider.GetRequiredService<Duban.Features.Rounds.RoundStore>().EnsureAsync(db, scope.ServiceProvider.GetRequiredService<AuditLog>(), default);
        var round = await db.InspectionRounds.AsNoTracking().OrderBy(r => r.Id).FirstAsync();
        await db.InspectionRounds.Where(r => r.Id == round.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ToDay, round.ToDay.AddYears(1)));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"inspection round {round.Name}", report.FirstProblem);
        }
        finally
        {
            await db.InspectionRounds.Where(r => r.Id == round.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ToDay, round.ToDay));
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Verify_UnitChangedThroughDuban_IsIntact_AndRecordsItsState()
    {
        var admin = await factory.As("admin");
        const string code = "440781-rsj";
        var unit = (await admin.GetAsync($"/api/v1/admin/units/{code}").Ok()).AsObject();
        var phone = (string?)unit["phone"] == "0750-5550001" ? "0750-5550002" : "0750-5550001";
        unit["phone"] = phone;
        await admin.PutAsJsonAsync($"/api/v1/admin/units/{code}", unit).Ok();
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var last = await db.Events.AsNoTracking().Where(e => e.Action == "unit_changed").OrderByDescending(e => e.Seq).FirstAsync();
        Assert.Contains($"\"unit:{code}\"", last.Data);
        var report = await factory.Verify(db);
        Assert.True(report.Intact, report.FirstProblem);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Verify_PhotoBytesReplaced_NamesTheMatter(bool hashColumnToo)
    {
        await using var scope = factory.Scope();
        var sp = scope.ServiceProvider;
        var filed = await PublicReportsApi.FileAsync(
            new("complaint", "照片被替换 " + Guid.NewGuid().ToString("N")[..8], "台阶破损，附照片。", "台山市川岛镇下川岛略尾村", Anonymous: true, null, null),
            null, sp.GetRequiredService<RegisterMatter>(), sp.GetRequiredService<IAutoDispatch>(), default, [new PhotoUpload("a.png", TestImages.Png(metadata: false))]);
        Assert.True(filed.IsSuccess, filed.Error?.Message);
        var db = factory.Db(scope);
        var photo = await db.Attachments.AsNoTracking().OrderByDescending(a => a.Id).FirstAsync();
        var other = TestImages.CleanJpeg;
        var otherHash = Convert.ToHexStringLower(SHA256.HashData(other));
        await (hashColumnToo
            ? db.Attachments.Where(a => a.Id == photo.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.Content, other).SetProperty(a => a.Sha256, otherHash).SetProperty(a => a.Size, other.Length))
            : db.Attachments.Where(a => a.Id == photo.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.Content, other)));
        try
        {
            var report = await factory.Verify(db);
            Assert.False(report.Intact);
            Assert.Contains($"matter id {photo.MatterId}", report.FirstProblem);
        }
        finally
        {
            await db.Attachments.Where(a => a.Id == photo.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Content, photo.Content).SetProperty(a => a.Sha256, photo.Sha256).SetProperty(a => a.Size, photo.Size));
        }
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task Verify_LastEventCutWithItsHeadMovedBack_IsCaughtOnlyByTheAnchor()
    {
        var anchors = Path.Combine(Path.GetTempPath(), "duban-anchor-" + Guid.NewGuid().ToString("N")[..8] + ".log");
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var key = scope.ServiceProvider.GetRequiredService<AuditKey>();
        var with = new VerifyWith(anchors);
        MatterEvent marker;
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            marker = await scope.ServiceProvider.GetRequiredService<AuditLog>().AppendAsync(null, Actor.System(), "test_marker");
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }
        db.ChangeTracker.Clear();
        Assert.NotNull(await AuditAnchors.AppendAsync(db, key, anchors, factory.Clock.GetUtcNow(), null, default));
        try
        {
            Assert.True((await Verify(db, with)).Intact);
            // The attacker (writes the database, has no key) removes the last event and moves its lane's head back one step.
            await Tamper.WithoutTriggers(db, () => db.Database.ExecuteSqlRawAsync("DELETE FROM events WHERE seq = {0}", marker.Seq));
            await db.Database.ExecuteSqlRawAsync("UPDATE audit_chains SET seq = {0}, hash = {1} WHERE id = {2}", marker.ChainSeq!.Value - 1, marker.PrevHash, marker.Chain!.Value);
            try
            {
                // The database alone cannot tell (docs/adr/0006, "Limit").
                var blind = await Verify(db, new VerifyWith());
                Assert.True(blind.Intact, blind.FirstProblem);
                var report = await Verify(db, with);
                Assert.False(report.Intact);
                Assert.Contains($"lane {marker.Chain}", report.FirstProblem);
                Assert.Contains("anchor", report.FirstProblem);
            }
            finally
            {
                db.ChangeTracker.Clear();
                db.Events.Add(marker);
                await Tamper.WithoutTriggers(db, () => db.SaveChangesAsync());
                await db.Database.ExecuteSqlRawAsync("UPDATE audit_chains SET seq = {0}, hash = {1} WHERE id = {2}", marker.ChainSeq!.Value, marker.Hash, marker.Chain!.Value);
            }
            Assert.True((await Verify(db, with)).Intact);

            // A line not signed with the audit key (someone wrote in the file) is itself a finding.
            await File.AppendAllTextAsync(anchors, File.ReadLines(anchors).Last().Replace("\"mac\":\"", "\"mac\":\"0", StringComparison.Ordinal) + "\n");
            var forged = await Verify(db, with);
            Assert.False(forged.Intact);
            Assert.Contains("not signed", forged.FirstProblem);
        }
        finally
        {
            File.Delete(anchors);
        }
    }

    private Task<AuditReport> Verify(DubanDb db, VerifyWith with) =>
        AuditVerifier.VerifyAsync(db, factory.Services.GetRequiredService<AuditKey>(), factory.Services.GetRequiredService<MatterClock>(), with);
}
