using System.Net;
using System.Net.Http.Json;
using Duban.Features.Auth;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Auth;

/// <summary>
/// Login throttling (issue 17): one bucket per address for the API's login and the sign-in form
/// together, and per account an exponential backoff after repeated failures that slows that account
/// only, never the others signing in from the same address (an office behind one NAT address).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ThrottleTests(DubanFactory factory)
{
    private const string Password = "throttle-password-1";

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string username, string password) =>
        client.PostAsJsonAsync("/api/v1/auth/login", new { username, password });

    [Fact]
    public async Task ApiAndSignInForm_ShareOneBucketPerAddress()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:RateLimits:LoginPerMinute"] = "3";
        app.Settings["Duban:Demo:Matters"] = "false";
        await app.InitializeAsync();
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        for (var i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, "dispatcher", "wrong-" + i)).StatusCode);
        var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "dispatcher", ["password"] = "wrong" });
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.PostAsync("/console/login", form)).StatusCode);
        // Three tries spent, two by the API and one by the form: the fourth is refused at either door.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsync("/console/login", form)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(client, "dispatcher", DubanFactory.Password)).StatusCode);
    }

    [Fact]
    public async Task RepeatedFailures_BackOffThatAccountExponentially_NotTheOthersFromTheSameAddress()
    {
        var admin = await factory.As("admin");
        var a = "ta-" + Tag();
        var b = "tb-" + Tag();
        foreach (var username in new[] { a, b })
        {
            await (await admin.PostAsJsonAsync("/api/v1/admin/users",
                new { username, displayName = "限流测试", unitCode = "440781-rsj", roles = new[] { "handler" }, password = Password })).Json(HttpStatusCode.Created);
        }
        var client = factory.CreateClient();
        // Five failures are free.
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, a, "wrong-" + i)).StatusCode);
        // Then the account waits: even the right password is not tried, and the answer says how long.
        var waiting = await LoginAsync(client, a, Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, waiting.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), waiting.Headers.RetryAfter?.Delta);
        // Another account from the same address signs in as ever.
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, b, Password)).StatusCode);

        // A second later one more try; it fails, and the wait doubles.
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, a, "wrong-again")).StatusCode);
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        var doubled = await LoginAsync(client, a, Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, doubled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), doubled.Headers.RetryAfter?.Delta);
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, a, Password)).StatusCode);
        // A success starts the count again.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, a, "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, a, Password)).StatusCode);
    }

    [Fact]
    public void Backoff_DoublesUpToItsCap_AndForgetsAfterAnHourWithoutFailures()
    {
        var clock = new TestClock(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var backoff = new LoginBackoff(clock, Microsoft.Extensions.Options.Options.Create(new AuthOptions()));
        for (var i = 0; i < 4; i++) backoff.Failed("Someone");
        Assert.Null(backoff.Wait("someone"));
        backoff.Failed("someone");
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Wait("someone"));
        Assert.Null(backoff.Wait("someone-else"));
        for (var i = 0; i < 30; i++) backoff.Failed("someone");
        Assert.Equal(TimeSpan.FromMinutes(15), backoff.Wait("someone")); // the cap, not 2^30 s
        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(backoff.Wait("someone"));
        // An hour and more without failures: five free ones again.
        clock.Advance(TimeSpan.FromMinutes(61));
        for (var i = 0; i < 4; i++) backoff.Failed("someone");
        Assert.Null(backoff.Wait("someone"));
        backoff.Succeeded("someone");
        backoff.Failed("someone");
        Assert.Null(backoff.Wait("someone"));
    }
}
