using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace Duban.Features.Notifications;

/// <summary>One text message to send: the number (11 digits), the text, and Duban's reference for it (the same on every try).</summary>
public sealed record SmsSend(string Phone, string Text, string Reference);

/// <summary>How a send went: sent; or why not, and whether a later try cannot help (<paramref name="Permanent"/>).</summary>
public sealed record SmsSendResult(string? Error = null, bool Permanent = false)
{
    public static readonly SmsSendResult Sent = new();
    public bool IsSent => Error is null;
}

/// <summary>
/// What sends a text message. Duban names no vendor: <see cref="HttpSmsGateway"/> speaks one small HTTP contract that
/// a city's adapter in front of its provider (or the provider itself) answers; a test puts a double in its place.
/// </summary>
public interface ISmsGateway
{
    Task<SmsSendResult> SendAsync(SmsSend message, CancellationToken ct);
}

/// <summary>
/// The HTTP gateway: <c>POST {Url}</c> with <c>{"to","text","reference"}</c> as JSON (UTF-8), <c>Authorization: Bearer
/// {ApiKey}</c> when a key is set, and <c>Idempotency-Key: {reference}</c>, so a gateway can drop a message it has
/// already sent (a node that stopped after sending and before marking it leaves it to another node). Any 2xx is sent.
/// A 4xx other than 408 and 429 is permanent (the number or the request is refused: the same request would be refused
/// again); 408, 429, a 5xx, no answer within 30 s or no connection are tried again after the outbox's backoff.
/// </summary>
public sealed class HttpSmsGateway(IHttpClientFactory clients, IOptions<SmsOptions> options) : ISmsGateway
{
    public const string Client = "duban-sms";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task<SmsSendResult> SendAsync(SmsSend message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var o = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, o.Url!.Trim())
        {
            Content = JsonContent.Create(new { to = message.Phone, text = message.Text, reference = message.Reference }),
        };
        if (Common.Text.OrNull(o.ApiKey) is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("Idempotency-Key", message.Reference);
        try
        {
            using var response = await clients.CreateClient(Client).SendAsync(request, ct);
            if (response.IsSuccessStatusCode) return SmsSendResult.Sent;
            var status = (int)response.StatusCode;
            var said = await response.Content.ReadAsStringAsync(ct);
            var error = $"{status} {response.ReasonPhrase}{(said.Length == 0 ? "" : ": " + (said.Length > 300 ? said[..300] : said))}";
            var permanent = status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);
            return new SmsSendResult(error, permanent);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new SmsSendResult(e is TaskCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : e.Message);
        }
    }
}
