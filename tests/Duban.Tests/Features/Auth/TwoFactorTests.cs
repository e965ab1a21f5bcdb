using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Units;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace Duban.Tests.Features.Auth;

/// <summary>
/// Two factors for staff (issue 17): TOTP set up and confirmed by the signed-in account, then the login
/// answers mfaRequired until it carries a current code; a code is accepted once; recovery codes are shown
/// once and work once; a role that requires a second factor enrols its accounts at their next sign-in;
/// administrators set it per role; required for every role by default, none on the demo database.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class TwoFactorTests(DubanFactory factory)
{
    private const string Password = "two-factor-password-1";

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    private static string Code(DubanFactory app, string secret) => new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(app.Clock.GetUtcNow().UtcDateTime);

    private static Task<HttpResponseMessage> LoginAsync(DubanFactory app, string username, string password, string? otp = null) =>
        app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { username, password, otp });

    private static HttpClient Bearer(DubanFactory app, string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Enrolled_LoginNeedsACurrentCode_UsedOnce_RecoveryCodesWorkOnce()
    {
        var admin = await factory.As("admin");
        var username = "otp-" + Tag();
        await (await admin.PostAsJsonAsync("/api/v1/admin/users",
            new { username, displayName = "双因素测试", unitCode = "440781-rsj", roles = new[] { "handler" }, password = Password })).Json(HttpStatusCode.Created);
        // The demo database offers a second factor and requires none: the password alone signs in.
        var token = (string)(await (await LoginAsync(factory, username, Password)).Json(HttpStatusCode.OK))["token"]!;
        var me = Bearer(factory, token);

        var setup = await (await me.PostAsync("/api/v1/auth/totp/setup", null)).Json(HttpStatusCode.OK);
        var secret = (string)setup["secret"]!;
        Assert.Equal(20, Base32Encoding.ToBytes(secret).Length);
        Assert.StartsWith("data:image/png;base64,", (string)setup["qrCode"]!, StringComparison.Ordinal);
        Assert.Contains("secret=" + secret, (string)setup["otpAuthUri"]!, StringComparison.Ordinal);
        // Not enrolled until confirmed: still the password alone.
        await (await LoginAsync(factory, username, Password)).Json(HttpStatusCode.OK);
        await me.PostAsJsonAsync("/api/v1/auth/totp/confirm", new { otp = "000000" == Code(factory, secret) ? "111111" : "000000" }).Problem(HttpStatusCode.BadRequest, "invalid_otp");
        var enrolled = await me.PostAsJsonAsync("/api/v1/auth/totp/confirm", new { otp = Code(factory, secret) }).Ok();
        var recovery = enrolled["recoveryCodes"]!.AsArray().Select(c => (string)c!).ToList();
        Assert.Equal(10, recovery.Distinct().Count());

        // Now the password alone answers mfaRequired, and no token.
        var challenge = await LoginAsync(factory, username, Password).Problem(HttpStatusCode.Unauthorized, "mfa_required");
        Assert.True((bool)challenge["mfaRequired"]!);
        Assert.Null(challenge["token"]);
        Assert.Null(challenge["enrol"]);
        // The code the confirmation used is spent: replayed within its window, refused.
        await LoginAsync(factory, username, Password, Code(factory, secret)).Problem(HttpStatusCode.Unauthorized, "invalid_otp");
        factory.Clock.Advance(TimeSpan.FromSeconds(30));
        var code = Code(factory, secret);
        await (await LoginAsync(factory, username, Password, code)).Json(HttpStatusCode.OK);
        await LoginAsync(factory, username, Password, code).Problem(HttpStatusCode.Unauthorized, "invalid_otp");
        // A wrong password with a good code: still the password's 401.
        factory.Clock.Advance(TimeSpan.FromSeconds(30));
        await LoginAsync(factory, username, "wrong", Code(factory, secret)).Problem(HttpStatusCode.Unauthorized);

        // A recovery code works once (typed in capitals or without the dash too).
        await (await LoginAsync(factory, username, Password, recovery[3].ToUpperInvariant())).Json(HttpStatusCode.OK);
        await LoginAsync(factory, username, Password, recovery[3]).Problem(HttpStatusCode.Unauthorized, "invalid_otp");
        await (await LoginAsync(factory, username, Password, recovery[4].Replace("-", "", StringComparison.Ordinal))).Json(HttpStatusCode.OK);

        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var row = await db.Users.AsNoTracking().SingleAsync(u => u.Username == username);
        Assert.DoesNotContain(secret, row.TotpSecret!, StringComparison.Ordinal); // sealed, not in clear
        Assert.All(recovery, c => Assert.DoesNotContain(c, row.RecoveryCodes!, StringComparison.Ordinal));
        var events = await db.Events.Where(e => e.Action == "totp_enrolled" || e.Action == "recovery_code_used").Select(e => e.Data).ToListAsync();
        Assert.Equal(3, events.Count(d => (string?)JsonNode.Parse(d)!["username"] == username));
        Assert.All(events, d => Assert.DoesNotContain(secret, d, StringComparison.Ordinal));
        Assert.True((await factory.Verify(db)).Intact);
    }

    [Fact]
    public async Task SignInForm_AsksForTheCodeAsASecondStep()
    {
        var admin = await factory.As("admin");
        var username = "form-otp-" + Tag();
        await (await admin.PostAsJsonAsync("/api/v1/admin/users",
            new { username, displayName = "表单双因素", unitCode = "440781-rsj", roles = new[] { "handler" }, password = Password })).Json(HttpStatusCode.Created);
        var me = Bearer(factory, (string)(await (await LoginAsync(factory, username, Password)).Json(HttpStatusCode.OK))["token"]!);
        var secret = (string)(await (await me.PostAsync("/api/v1/auth/totp/setup", null)).Json(HttpStatusCode.OK))["secret"]!;
        await me.PostAsJsonAsync("/api/v1/auth/totp/confirm", new { otp = Code(factory, secret) }).Ok();
        factory.Clock.Advance(TimeSpan.FromSeconds(30));

        var browser = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        async Task<HttpResponseMessage> PostAsync(string? otp)
        {
            var html = await browser.GetStringAsync("/console/login");
            var token = PageForms.Token(html);
            var fields = new Dictionary<string, string> { ["_handler"] = "login", ["__RequestVerificationToken"] = token, ["username"] = username, ["password"] = Password };
            if (otp is not null) fields["otp"] = otp;
            return await browser.PostAsync("/console/login", new FormUrlEncodedContent(fields));
        }
        // The password alone: the form again, asking for the code, and no sign-in.
        var first = await PostAsync(null);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("请再次输入密码，并填写动态验证码或恢复码", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(first.Headers.TryGetValues("Set-Cookie", out var none) && none.Any(c => c.StartsWith("duban_auth=", StringComparison.Ordinal) && !c.StartsWith("duban_auth=;", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/console")).StatusCode);
        // With the code: signed in.
        var second = await PostAsync(Code(factory, secret));
        Assert.Contains(second.Headers.GetValues("Set-Cookie"), c => c.StartsWith("duban_auth=", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/console")).StatusCode);
    }

    [Fact]
    public async Task DemoDatabase_RequiresNoRole()
    {
        await using var scope = factory.Scope();
        var roles = await scope.ServiceProvider.GetRequiredService<TwoFactor>().RolesAsync(default);
        Assert.Equal(Roles.All.Order(StringComparer.Ordinal), roles.Select(r => r.Role));
        Assert.All(roles, r => Assert.False(r.Required));
    }

    /// <summary>On a deployment of its own, without the demo: every role requires a second factor by default.</summary>
    [Fact]
    public async Task WithoutTheDemo_EveryRoleRequiresIt_EnrolledAtSignIn_AdministratorsSetItPerRole()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Demo:Seed"] = "false";
        await app.InitializeAsync();
        await using (var scope = app.Scope())
        {
            var imported = await scope.ServiceProvider.GetRequiredService<ImportUnits>().ExecuteAsync(ImportUnits.ReadBuiltIn(), Actor.System(), default);
            Assert.True(imported.IsSuccess);
            Assert.All(await scope.ServiceProvider.GetRequiredService<TwoFactor>().RolesAsync(default), r => Assert.True(r.Required));
        }
        await app.Desk.AccountAsync("boss", "管理员", "4407-zsj", "admin");
        await app.Desk.AccountAsync("worker", "经办人", "440781-rsj", "handler");

        // The password alone: mfaRequired, with the set-up to enrol.
        var challenge = await LoginAsync(app, "boss", DubanFactory.Password).Problem(HttpStatusCode.Unauthorized, "mfa_required");
        Assert.True((bool)challenge["mfaRequired"]!);
        var secret = (string)challenge["enrol"]!["secret"]!;
        Assert.StartsWith("data:image/png;base64,", (string)challenge["enrol"]!["qrCode"]!, StringComparison.Ordinal);
        // The next sign-in with a code of it enrols the account and answers its recovery codes once.
        var signedIn = await (await LoginAsync(app, "boss", DubanFactory.Password, Code(app, secret))).Json(HttpStatusCode.OK);
        Assert.Equal(10, signedIn["recoveryCodes"]!.AsArray().Count);
        var boss = Bearer(app, (string)signedIn["token"]!);

        // An administrator stops requiring it of handlers: a handler signs in with the password alone.
        await LoginAsync(app, "worker", DubanFactory.Password).Problem(HttpStatusCode.Unauthorized, "mfa_required");
        await boss.PutAsJsonAsync("/api/v1/admin/mfa/roles/king", new { required = false }).Problem(HttpStatusCode.BadRequest);
        await boss.PutAsJsonAsync("/api/v1/admin/mfa/roles/handler", new { }).Problem(HttpStatusCode.BadRequest);
        Assert.False((bool)(await boss.PutAsJsonAsync("/api/v1/admin/mfa/roles/handler", new { required = false }).Ok())["required"]!);
        var roles = (await boss.GetAsync("/api/v1/admin/mfa/roles").Ok()).AsArray();
        Assert.False((bool)roles.Single(r => (string?)r!["role"] == "handler")!["required"]!);
        Assert.True((bool)roles.Single(r => (string?)r!["role"] == "admin")!["required"]!);
        await (await LoginAsync(app, "worker", DubanFactory.Password)).Json(HttpStatusCode.OK);
        // Non-administrators do not set it.
        var worker = Bearer(app, (string)(await (await LoginAsync(app, "worker", DubanFactory.Password)).Json(HttpStatusCode.OK))["token"]!);
        await worker.PutAsJsonAsync("/api/v1/admin/mfa/roles/handler", new { required = true }).Problem(HttpStatusCode.Forbidden);

        await using var check = app.Scope();
        var db = app.Db(check);
        Assert.Single(await db.Events.Where(e => e.Action == "mfa_role_changed").ToListAsync());
        Assert.True((await app.Verify(db)).Intact);
    }
}
