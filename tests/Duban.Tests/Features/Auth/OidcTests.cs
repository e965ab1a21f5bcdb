using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace Duban.Tests.Features.Auth;

/// <summary>A deployment with single sign-on by <see cref="TestOidcProvider"/> (started first: its address is the authority).</summary>
public sealed class OidcDeployment : IAsyncLifetime
{
    public TestOidcProvider Provider { get; private set; } = null!;
    public DubanFactory App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await TestOidcProvider.StartAsync();
        App = await OidcTests.StartAsync(Provider);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

/// <summary>
/// Single sign-on (issue 17): a browser-less walk through the code flow (a client following the redirects between
/// Duban and a small OpenID provider on loopback, carrying Duban's cookies), as an existing account, an unknown
/// one, a deactivated one, with a token from another issuer and with a tampered id_token; the TOTP code after
/// the provider's sign-in, and not with SkipTotp.
/// </summary>
[Trait("Category", "Database")]
public sealed class OidcTests(OidcDeployment deployment) : IClassFixture<OidcDeployment>
{
    private const string Password = "sso-password-1";
    private DubanFactory App => deployment.App;
    private TestOidcProvider Provider => deployment.Provider;

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    public static async Task<DubanFactory> StartAsync(TestOidcProvider provider, bool skipTotp = false)
    {
        var app = new DubanFactory();
        app.Settings["Duban:Auth:Oidc:Authority"] = provider.Authority;
        app.Settings["Duban:Auth:Oidc:ClientId"] = TestOidcProvider.ClientId;
        app.Settings["Duban:Auth:Oidc:ClientSecret"] = TestOidcProvider.ClientSecret;
        app.Settings["Duban:Auth:Oidc:RequireHttpsMetadata"] = "false"; // the provider is on loopback, plain HTTP
        if (skipTotp) app.Settings["Duban:Auth:Oidc:SkipTotp"] = "true";
        await app.InitializeAsync();
        return app;
    }

    /// <summary>A new handler account made by the administrator: its id, version and username.</summary>
    private static async Task<(long Id, string Version, string Username)> NewAccountAsync(DubanFactory app, string prefix)
    {
        var admin = await app.As("admin");
        var username = prefix + "-" + Tag();
        var user = (await (await admin.PostAsJsonAsync("/api/v1/admin/users",
            new { username, displayName = "单点登录测试", unitCode = "440781-rsj", roles = new[] { "handler" }, password = Password })).Json(HttpStatusCode.Created))["user"]!;
        return ((long)user["id"]!, (string)user["version"]!, username);
    }

    private static HttpClient Browser(DubanFactory app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>
    /// The sign-in page's button, then every redirect: to the provider (a client of its own, no cookies there) and back
    /// to Duban's callback (the browser, with the correlation and nonce cookies the challenge set). The last answer.
    /// </summary>
    private static async Task<HttpResponseMessage> SingleSignOnAsync(HttpClient browser, TestOidcProvider provider, string returnUrl = "/console/matters")
    {
        using var atProvider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var url = new Uri(browser.BaseAddress!, "/console/login/oidc?returnUrl=" + Uri.EscapeDataString(returnUrl));
        var providerAt = new Uri(provider.Authority).Authority;
        for (var hop = 0; hop < 10; hop++)
        {
            var response = await (url.Authority == providerAt ? atProvider : browser).GetAsync(url);
            if (response.StatusCode is not (HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.MovedPermanently))
                return response;
            url = new Uri(url, response.Headers.Location!);
        }
        throw new InvalidOperationException("more than 10 redirects");
    }

    private static bool SetsSignInCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
        && cookies.Any(c => c.StartsWith("duban_auth=", StringComparison.Ordinal) && !c.StartsWith("duban_auth=;", StringComparison.Ordinal));

    private async Task<List<JsonNode>> EventsAsync(DubanFactory app, string action, string field, string value)
    {
        await using var scope = app.Scope();
        var rows = await app.Db(scope).Events.Where(e => e.Action == action).OrderBy(e => e.Seq).Select(e => e.Data).ToListAsync();
        return [.. rows.Select(r => JsonNode.Parse(r)!).Where(d => (string?)d[field] == value)];
    }

    [Fact]
    public async Task ExistingAccount_SignsIn_WithDubansCookie_Audited()
    {
        var (_, _, username) = await NewAccountAsync(App, "sso");
        Provider.Username = username;
        var browser = Browser(App);

        var last = await SingleSignOnAsync(browser, Provider);

        // The code flow with PKCE and a nonce, as the provider received it.
        var asked = Provider.Authorizations.Last();
        Assert.Equal("S256", asked["code_challenge_method"]);
        Assert.False(string.IsNullOrEmpty(asked["nonce"]));
        // Signed in: Duban's own cookie, and a page that goes on to the console page asked for.
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.True(SetsSignInCookie(last));
        var page = await last.Content.ReadAsStringAsync();
        Assert.Matches("data-testid=\"sso-continue\" href=\"/console/matters\"", page);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/console/matters")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/units")).StatusCode);

        var events = await EventsAsync(App, "signed_in", "username", username);
        var signedIn = Assert.Single(events);
        Assert.Equal("oidc", (string?)signedIn["method"]);
        Assert.Equal(Provider.Authority, (string?)signedIn["issuer"]);
        Assert.Equal("preferred_username", (string?)signedIn["claim"]);
        Assert.False(string.IsNullOrEmpty((string?)signedIn["provider"]));

        // The cookie carries the account's security stamp: the console's sign-out ends it as it ends a password's.
        await using (var scope = App.Scope())
        {
            Assert.True((await App.Verify(App.Db(scope))).Intact);
        }
        var html = await browser.GetStringAsync("/console");
        var token = PageForms.Token(html);
        var cookie = last.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("duban_auth=", StringComparison.Ordinal)).Split(';')[0]["duban_auth=".Length..];
        await browser.PostAsync("/console/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        var stale = App.CreateClient();
        stale.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stale.GetAsync("/api/v1/units")).StatusCode);
    }

    [Fact]
    public async Task UnknownSubject_IsRefused_WithAPage_Audited()
    {
        var nobody = "nobody-" + Tag();
        Provider.Username = nobody;
        var browser = Browser(App);

        var last = await SingleSignOnAsync(browser, Provider);

        Assert.Equal(HttpStatusCode.Forbidden, last.StatusCode);
        Assert.False(SetsSignInCookie(last));
        Assert.Contains("没有对应的督办系统账号", await last.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/console")).StatusCode);
        var refused = Assert.Single(await EventsAsync(App, "sign_in_refused", "value", nobody));
        Assert.Equal("unknown_account", (string?)refused["reason"]);
        Assert.Equal("oidc", (string?)refused["method"]);
    }

    [Fact]
    public async Task DeactivatedAccount_IsRefused_WithAPage_Audited()
    {
        var (id, version, username) = await NewAccountAsync(App, "sso-off");
        var admin = await App.As("admin");
        await admin.PostAsJsonAsync($"/api/v1/admin/users/{id}/deactivate", new { version }).Ok();
        Provider.Username = username;
        var browser = Browser(App);

        var last = await SingleSignOnAsync(browser, Provider);

        Assert.Equal(HttpStatusCode.Forbidden, last.StatusCode);
        Assert.False(SetsSignInCookie(last));
        Assert.Contains("已停用", await last.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/console")).StatusCode);
        var refused = Assert.Single(await EventsAsync(App, "sign_in_refused", "username", username));
        Assert.Equal("inactive_account", (string?)refused["reason"]);
        Assert.Empty(await EventsAsync(App, "signed_in", "username", username));
    }

    [Theory]
    [InlineData("issuer")]
    [InlineData("tampered")]
    public async Task TokenThatDoesNotVerify_IsRefused(string fault)
    {
        var (_, _, username) = await NewAccountAsync(App, "sso-bad");
        var victim = (await NewAccountAsync(App, "sso-victim")).Username;
        Provider.Username = username;
        Provider.TamperedUsername = victim;
        var browser = Browser(App);
        try
        {
            if (fault == "issuer") Provider.Issuer = "http://127.0.0.1:9/another-issuer";
            else Provider.Tamper = true;
            var last = await SingleSignOnAsync(browser, Provider);

            Assert.Equal(HttpStatusCode.BadRequest, last.StatusCode);
            Assert.False(SetsSignInCookie(last));
            Assert.Contains("未通过校验", await last.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/console")).StatusCode);
            Assert.Empty(await EventsAsync(App, "signed_in", "username", username));
            Assert.Empty(await EventsAsync(App, "signed_in", "username", victim));
        }
        finally
        {
            Provider.Issuer = null;
            Provider.Tamper = false;
        }
        // The same provider, answering honestly, signs the account in: what was refused was the fault alone.
        Assert.Equal(HttpStatusCode.OK, (await SingleSignOnAsync(Browser(App), Provider)).StatusCode);
    }

    private static string Code(DubanFactory app, string secret) => new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(app.Clock.GetUtcNow().UtcDateTime);

    /// <summary>A new account enrolled in TOTP (by the API, signed in with its password): its username and secret.</summary>
    private static async Task<(string Username, string Secret)> EnrolledAccountAsync(DubanFactory app)
    {
        var (_, _, username) = await NewAccountAsync(app, "sso-otp");
        var login = await (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { username, password = Password })).Json(HttpStatusCode.OK);
        var me = app.CreateClient();
        me.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", (string)login["token"]!);
        var secret = (string)(await (await me.PostAsync("/api/v1/auth/totp/setup", null)).Json(HttpStatusCode.OK))["secret"]!;
        await me.PostAsJsonAsync("/api/v1/auth/totp/confirm", new { otp = Code(app, secret) }).Ok();
        app.Clock.Advance(TimeSpan.FromSeconds(30)); // the next code is of a later step
        return (username, secret);
    }

    [Fact]
    public async Task EnrolledAccount_GivesItsCodeAfterTheProvider()
    {
        var (username, secret) = await EnrolledAccountAsync(App);
        Provider.Username = username;
        var browser = Browser(App);

        var last = await SingleSignOnAsync(browser, Provider);

        // The provider's sign-in is the first factor only: the sign-in page asks the code, and nobody is signed in yet.
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal("/console/login", last.RequestMessage!.RequestUri!.AbsolutePath);
        var html = await last.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"sso-second-factor\"", html, StringComparison.Ordinal);
        Assert.Contains(username, html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/console")).StatusCode);
        Assert.Empty(await EventsAsync(App, "signed_in", "username", username));

        async Task<HttpResponseMessage> PostAsync(string otp)
        {
            var page = await browser.GetStringAsync("/console/login?sso=totp");
            var token = PageForms.Token(page);
            return await browser.PostAsync("/console/login?sso=totp", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "sso",
                ["__RequestVerificationToken"] = token,
                ["otp"] = otp,
            }));
        }
        var code = Code(App, secret);
        var wrong = await PostAsync(code == "000000" ? "111111" : "000000");
        Assert.False(SetsSignInCookie(wrong));
        Assert.Contains("动态验证码不正确或已使用", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var right = await PostAsync(code);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.EndsWith("/console/matters", right.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.True(SetsSignInCookie(right));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/console/matters")).StatusCode);
        var signedIn = Assert.Single(await EventsAsync(App, "signed_in", "username", username));
        Assert.True((bool)signedIn["secondFactor"]!);
    }

    [Fact]
    public async Task SkipTotp_TrustsTheProvidersSecondFactor()
    {
        await using var provider = await TestOidcProvider.StartAsync();
        await using var app = await StartAsync(provider, skipTotp: true);
        var (username, _) = await EnrolledAccountAsync(app);
        provider.Username = username;
        var browser = Browser(app);

        var last = await SingleSignOnAsync(browser, provider);

        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.True(SetsSignInCookie(last));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/console/matters")).StatusCode);
        var signedIn = Assert.Single(await EventsAsync(app, "signed_in", "username", username));
        Assert.False((bool)signedIn["secondFactor"]!);
    }
}

/// <summary>Single sign-on is off unless configured: no button, no start, no callback.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class OidcOffTests(DubanFactory factory)
{
    [Fact]
    public async Task NotConfigured_NoButton_NoEndpoints()
    {
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var page = await browser.GetStringAsync("/console/login");
        Assert.DoesNotContain("sso-start", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/console/login/oidc")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/console/login/oidc/callback?code=x&state=y")).StatusCode);
    }
}
