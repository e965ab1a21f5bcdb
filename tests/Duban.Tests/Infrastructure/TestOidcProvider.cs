using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Duban.Tests.Infrastructure;

/// <summary>
/// A small OpenID provider on 127.0.0.1 for the single sign-on tests (Features/Auth, OidcSignIn): Kestrel serving
/// <c>/.well-known/openid-configuration</c>, its JWKS, <c>/authorize</c> (approving <see cref="Username"/> at once,
/// the authorization code flow with PKCE only) and <c>/token</c> (the code, the client's secret and the PKCE verifier
/// checked; an id_token signed RS256 naming the user and echoing the nonce). <see cref="Issuer"/> and
/// <see cref="Tamper"/> make it answer as an attacker would.
/// </summary>
public sealed class TestOidcProvider : IAsyncDisposable
{
    public const string ClientId = "duban-console";
    public const string ClientSecret = "test-client-secret-1";
    private const string KeyId = "test-key-1";

    private readonly RSA rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> grants = new(StringComparer.Ordinal);
    private WebApplication? app;

    private sealed record Grant(string RedirectUri, string? Nonce, string Challenge, string Username);

    /// <summary>The provider's address and issuer, e.g. http://127.0.0.1:40123.</summary>
    public string Authority { get; private set; } = "";

    /// <summary>Whom <c>/authorize</c> approves: the id_token's <c>preferred_username</c> (and, prefixed, its <c>sub</c>).</summary>
    public string Username { get; set; } = "";

    /// <summary>Another issuer named in the id_token than the provider's own (a token from somewhere else).</summary>
    public string? Issuer { get; set; }

    /// <summary>The id_token's payload rewritten after signing, to name <see cref="TamperedUsername"/>.</summary>
    public bool Tamper { get; set; }

    public string TamperedUsername { get; set; } = "admin";

    /// <summary>The query of each authorization request, as received (the PKCE and nonce it carried).</summary>
    public ConcurrentQueue<IQueryCollection> Authorizations { get; } = new();

    /// <summary>The id_tokens the provider issued.</summary>
    public ConcurrentQueue<string> IdTokens { get; } = new();

    public static async Task<TestOidcProvider> StartAsync()
    {
        var provider = new TestOidcProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new JsonObject
        {
            ["issuer"] = provider.Authority,
            ["authorization_endpoint"] = provider.Authority + "/authorize",
            ["token_endpoint"] = provider.Authority + "/token",
            ["jwks_uri"] = provider.Authority + "/jwks",
            ["response_types_supported"] = new JsonArray("code"),
            ["subject_types_supported"] = new JsonArray("public"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            ["code_challenge_methods_supported"] = new JsonArray("S256"),
            ["scopes_supported"] = new JsonArray("openid", "profile"),
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "client_secret_basic"),
        }));
        app.MapGet("/jwks", () =>
        {
            var key = provider.rsa.ExportParameters(false);
            return Results.Json(new JsonObject
            {
                ["keys"] = new JsonArray(new JsonObject
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = KeyId,
                    ["n"] = Base64UrlEncoder.Encode(key.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(key.Exponent),
                }),
            });
        });
        // HttpRequest, not HttpContext: a lambda of HttpContext alone is a RequestDelegate, and its answer would be dropped.
        app.MapGet("/authorize", (HttpRequest request) => provider.Authorize(request.Query));
        app.MapPost("/token", async (HttpRequest request) => provider.Token(await request.ReadFormAsync(), request.Headers.Authorization.ToString()));
        await app.StartAsync();
        provider.app = app;
        provider.Authority = app.Urls.Single().TrimEnd('/');
        return provider;
    }

    private IResult Authorize(IQueryCollection query)
    {
        Authorizations.Enqueue(query);
        // The code flow with PKCE (S256) only, for this client.
        if (query["client_id"] != ClientId || query["response_type"] != "code" || query["code_challenge_method"] != "S256"
            || string.IsNullOrEmpty(query["code_challenge"]) || query["redirect_uri"] is not [{ Length: > 0 } redirect])
        {
            return Results.BadRequest("invalid_request");
        }
        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        grants[code] = new Grant(redirect, query["nonce"], query["code_challenge"]!, Username);
        var back = redirect + (redirect.Contains('?', StringComparison.Ordinal) ? "&" : "?")
            + "code=" + Uri.EscapeDataString(code) + "&state=" + Uri.EscapeDataString(query["state"].ToString());
        return Results.Redirect(back);
    }

    private IResult Token(IFormCollection form, string authorization)
    {
        var (clientId, secret) = ((string?)form["client_id"], (string?)form["client_secret"]);
        if (authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..])).Split(':', 2);
            (clientId, secret) = (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }
        if (clientId != ClientId || secret != ClientSecret) return Results.Json(new { error = "invalid_client" }, statusCode: 401);
        if (form["grant_type"] != "authorization_code" || form["code"] is not [{ } code] || !grants.TryRemove(code, out var grant)
            || form["redirect_uri"] != grant.RedirectUri)
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }
        var verifier = (string?)form["code_verifier"] ?? "";
        if (Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.Challenge)
            return Results.Json(new { error = "invalid_grant", error_description = "PKCE" }, statusCode: 400);

        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = "gov-" + grant.Username,
            ["preferred_username"] = grant.Username,
        };
        if (grant.Nonce is not null) claims["nonce"] = grant.Nonce;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer ?? Authority,
            Audience = ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        });
        if (Tamper)
        {
            // The same header and signature over a payload that names someone else.
            var parts = token.Split('.');
            var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!;
            payload["preferred_username"] = TamperedUsername;
            payload["sub"] = "gov-" + TamperedUsername;
            token = parts[0] + "." + Base64UrlEncoder.Encode(payload.ToJsonString()) + "." + parts[2];
        }
        IdTokens.Enqueue(token);
        return Results.Json(new JsonObject
        {
            ["access_token"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24)),
            ["token_type"] = "Bearer",
            ["expires_in"] = 300,
            ["id_token"] = token,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null) await app.DisposeAsync();
        rsa.Dispose();
    }
}
