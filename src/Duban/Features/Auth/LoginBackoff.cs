using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Duban.Features.Auth;

/// <summary>
/// Per-account exponential backoff of sign-ins (issue 17). After <see cref="AuthOptions.BackoffFreeFailures"/>
/// failures in a row, the account (its username, whether it exists or not: no account enumeration) waits
/// 1 s, then 2, 4, … up to <see cref="AuthOptions.BackoffMaxSeconds"/> before its next try is even checked;
/// a success, or an hour without failures, starts the count again. It is kept by account, not by address:
/// guesses at one account never slow another signing in from the same address (an office behind one
/// NAT address); the address's own limit is the rate limiter's bucket ("login"), shared by the API and the
/// sign-in form. Kept in each node's memory, on <see cref="TimeProvider"/>: behind N nodes without sticky
/// sessions an account gets at most N times the tries.
/// </summary>
public sealed class LoginBackoff(TimeProvider time, IOptions<AuthOptions> options)
{
    /// <summary>Failures older than this, with none since, are forgotten.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(1);
    private const int MaxAccounts = 100_000;

    private sealed record Entry(int Failures, DateTimeOffset LastFailure, DateTimeOffset NotBefore);

    private readonly ConcurrentDictionary<string, Entry> accounts = new(StringComparer.Ordinal);

    private static string Key(string username) => username.Trim().ToLowerInvariant();

    /// <summary>How long the account must still wait before a try is checked; null when it may try now.</summary>
    public TimeSpan? Wait(string username)
    {
        if (!accounts.TryGetValue(Key(username), out var entry)) return null;
        var left = entry.NotBefore - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : null;
    }

    /// <summary>Counts a failed try; from the free ones on, the next try waits twice as long as the last.</summary>
    public void Failed(string username)
    {
        var now = time.GetUtcNow();
        if (accounts.Count >= MaxAccounts) Prune(now);
        if (accounts.Count >= MaxAccounts) return; // a flood of names: the address bucket still limits it
        var o = options.Value;
        accounts.AddOrUpdate(Key(username),
            _ => Next(1, now, o),
            (_, e) => Next(now - e.LastFailure > ForgetAfter ? 1 : e.Failures + 1, now, o));
    }

    /// <summary>A success forgets the account's failures.</summary>
    public void Succeeded(string username) => accounts.TryRemove(Key(username), out _);

    private static Entry Next(int failures, DateTimeOffset now, AuthOptions o)
    {
        var over = failures - o.BackoffFreeFailures;
        if (over < 0) return new Entry(failures, now, now);
        var seconds = Math.Min(o.BackoffMaxSeconds, Math.Pow(2, Math.Min(over, 30)));
        return new Entry(failures, now, now.AddSeconds(seconds));
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in accounts)
        {
            if (now - entry.LastFailure > ForgetAfter && entry.NotBefore <= now) accounts.TryRemove(key, out _);
        }
    }
}
