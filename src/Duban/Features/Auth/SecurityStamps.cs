using System.Security.Cryptography;

namespace Duban.Features.Auth;

/// <summary>
/// An account's security stamp (users.security_stamp): a random value every token and cookie carries.
/// A new stamp ends every session of the account at once, on every node, because each request compares
/// the token's stamp with the account's row (read by key on every request, never from a cache).
/// Changed by logout, an administrator's password reset, a deactivation and a reactivation, and a
/// change of roles or unit, each inside the audited change that records it.
/// </summary>
public static class SecurityStamps
{
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
