using System.Collections.Concurrent;
using Duban.Features.Notifications;

namespace Duban.Tests.Infrastructure;

/// <summary>
/// The SMS gateway's test double: records every message it is given and answers as a test scripts it (the next N
/// refused for a while, or for good); otherwise sent. Registered in place of the HTTP gateway:
/// <c>app.WithServices.Add(s => s.AddSingleton&lt;ISmsGateway&gt;(double))</c>.
/// </summary>
public sealed class SmsGatewayDouble : ISmsGateway
{
    private readonly ConcurrentQueue<SmsSendResult> scripted = new();
    private readonly ConcurrentQueue<SmsSend> sent = new();
    private int calls;

    /// <summary>The messages answered as sent, in order.</summary>
    public IReadOnlyList<SmsSend> Sent => [.. sent];

    /// <summary>Every call, sent or not.</summary>
    public int Calls => calls;

    /// <summary>The next <paramref name="count"/> messages are refused with <paramref name="error"/>.</summary>
    public void RefuseNext(int count, string error = "503 Service Unavailable", bool permanent = false)
    {
        for (var i = 0; i < count; i++) scripted.Enqueue(new SmsSendResult(error, permanent));
    }

    public void Clear()
    {
        sent.Clear();
        scripted.Clear();
    }

    public Task<SmsSendResult> SendAsync(SmsSend message, CancellationToken ct)
    {
        Interlocked.Increment(ref calls);
        if (scripted.TryDequeue(out var refused)) return Task.FromResult(refused);
        sent.Enqueue(message);
        return Task.FromResult(SmsSendResult.Sent);
    }
}
