using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Duban.Tests.Infrastructure;

/// <summary>One message the sink accepted: the envelope, the raw data, and its subject and text decoded.</summary>
public sealed record SmtpMessage(string From, IReadOnlyList<string> Recipients, string Data, IReadOnlyDictionary<string, string> Headers,
    string? Subject, string? Body)
{
    /// <summary>A header, decoded (RFC 2047 encoded-words), or null.</summary>
    public string? Header(string name) => Headers.GetValueOrDefault(name);
}

/// <summary>
/// A real SMTP server on loopback for tests: a free port, enough of the protocol for
/// System.Net.Mail.SmtpClient (220, EHLO/HELO, MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET,
/// NOOP, QUIT), every accepted message recorded with its subject and text body decoded. It can be
/// told to refuse the next messages (451 by default) to test retries.
/// <code>
/// await using var sink = await SmtpSink.StartAsync();
/// app.Settings["Duban:Notifications:Smtp:Host"] = "127.0.0.1";
/// app.Settings["Duban:Notifications:Smtp:Port"] = sink.Port.ToString();
/// var messages = await sink.WaitForAsync(1, TimeSpan.FromSeconds(30));
/// </code>
/// </summary>
public sealed partial class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly List<SmtpMessage> messages = [];
    private readonly List<Task> connections = [];
    private readonly Lock gate = new();
    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task accepting = Task.CompletedTask;
    private int rejectCount;
    private string rejectReply = "";
    private int rejected;

    private SmtpSink()
    {
    }

    public static Task<SmtpSink> StartAsync()
    {
        var sink = new SmtpSink();
        sink.listener.Start();
        sink.accepting = sink.AcceptAsync();
        return Task.FromResult(sink);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>The messages accepted so far, in order of arrival.</summary>
    public IReadOnlyList<SmtpMessage> Messages
    {
        get
        {
            lock (gate) return [.. messages];
        }
    }

    /// <summary>How many messages were refused after their data (see <see cref="RejectNext"/>).</summary>
    public int Rejected
    {
        get
        {
            lock (gate) return rejected;
        }
    }

    /// <summary>Refuses the next <paramref name="count"/> messages at the end of their data with this reply (a 4xx: try later).</summary>
    public void RejectNext(int count, int code = 451, string text = "4.3.0 try again later")
    {
        lock (gate) (rejectCount, rejectReply) = (count, $"{code} {text}");
    }

    /// <summary>Forgets the messages received so far.</summary>
    public void Clear()
    {
        lock (gate) messages.Clear();
    }

    /// <summary>Waits until at least <paramref name="count"/> messages have arrived; TimeoutException (listing what came) if not within the timeout (30 s by default).</summary>
    public async Task<IReadOnlyList<SmtpMessage>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            Task signal;
            lock (gate)
            {
                if (messages.Count >= count) return [.. messages];
                signal = arrived.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                var got = Messages;
                throw new TimeoutException($"SMTP sink: expected {count} messages, got {got.Count}: " +
                    string.Join(" | ", got.Select(m => m.Subject)));
            }
            try
            {
                await signal.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Looked at once more above, then reported.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        Task[] open;
        lock (gate) open = [.. connections];
        await Task.WhenAll(open.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stopping.Token);
            lock (gate) connections.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var connection = client;
        var ct = stopping.Token;
        try
        {
            var stream = client.GetStream();
            // Lines are ASCII but for 8-bit data, which is taken as UTF-8.
            using var reader = new StreamReader(stream, new UTF8Encoding(false), false, 1024, leaveOpen: true);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1024, leaveOpen: true) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 localhost Duban test SMTP sink ready");
            string? from = null;
            var recipients = new List<string>();
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                var verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-localhost greets you");
                        await writer.WriteLineAsync("250 8BITMIME");
                        break;
                    case "HELO":
                        await writer.WriteLineAsync("250 localhost");
                        break;
                    case "MAIL":
                        from = Address(line);
                        recipients.Clear();
                        await writer.WriteLineAsync("250 2.1.0 sender ok");
                        break;
                    case "RCPT":
                        if (from is null)
                        {
                            await writer.WriteLineAsync("503 5.5.1 MAIL first");
                            break;
                        }
                        recipients.Add(Address(line));
                        await writer.WriteLineAsync("250 2.1.5 recipient ok");
                        break;
                    case "DATA":
                        if (from is null || recipients.Count == 0)
                        {
                            await writer.WriteLineAsync("503 5.5.1 MAIL and RCPT first");
                            break;
                        }
                        await writer.WriteLineAsync("354 end data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(ct) is { } dataLine && dataLine != ".")
                        {
                            // Dot-unstuffing (RFC 5321 4.5.2): a line that began with a dot was sent with one more.
                            data.Append(dataLine.StartsWith('.') ? dataLine[1..] : dataLine).Append("\r\n");
                        }
                        await writer.WriteLineAsync(Accept(from, recipients, data.ToString()));
                        from = null;
                        recipients = [];
                        break;
                    case "RSET":
                        from = null;
                        recipients.Clear();
                        await writer.WriteLineAsync("250 2.0.0 reset");
                        break;
                    case "NOOP":
                        await writer.WriteLineAsync("250 2.0.0 ok");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 command not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the sink is stopping.
        }
    }

    /// <summary>Records the message, or refuses it when told to; returns the reply.</summary>
    private string Accept(string from, List<string> recipients, string data)
    {
        lock (gate)
        {
            if (rejectCount > 0)
            {
                rejectCount--;
                rejected++;
                return rejectReply;
            }
        }
        var message = Parse(from, [.. recipients], data);
        lock (gate)
        {
            messages.Add(message);
            var signal = arrived;
            arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signal.SetResult();
            return $"250 2.0.0 queued as {messages.Count}";
        }
    }

    private static string Address(string line)
    {
        var open = line.IndexOf('<', StringComparison.Ordinal);
        var close = line.IndexOf('>', StringComparison.Ordinal);
        if (open >= 0 && close > open) return line[(open + 1)..close];
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? "" : line[(colon + 1)..].Trim().Split(' ')[0];
    }

    // ------------------------------------------------------------------ MIME, as much as SmtpClient writes

    public static SmtpMessage Parse(string from, IReadOnlyList<string> recipients, string data)
    {
        var (headers, body) = SplitPart(data);
        var decoded = headers.ToDictionary(h => h.Key, h => DecodeWords(h.Value), StringComparer.OrdinalIgnoreCase);
        return new SmtpMessage(from, recipients, data, decoded, decoded.GetValueOrDefault("Subject"), TextBody(headers, body));
    }

    /// <summary>Headers (unfolded, raw) and the body of a message or MIME part.</summary>
    private static (Dictionary<string, string> Headers, string Body) SplitPart(string part)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var end = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = end < 0 ? part : part[..end];
        var body = end < 0 ? "" : part[(end + 4)..];
        string? name = null;
        foreach (var line in head.Split("\r\n"))
        {
            if (line.Length == 0) continue;
            if ((line[0] == ' ' || line[0] == '\t') && name is not null)
            {
                headers[name] += "\r\n" + line; // folded: kept until the words are decoded
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            name = line[..colon].Trim();
            headers[name] = line[(colon + 1)..].TrimStart();
        }
        return (headers, body);
    }

    /// <summary>The first text/plain part's text, decoded from base64 or quoted-printable in its charset.</summary>
    private static string? TextBody(Dictionary<string, string> headers, string body)
    {
        var type = headers.GetValueOrDefault("Content-Type") ?? "text/plain";
        if (type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = Parameter(type, "boundary");
            if (boundary is null) return null;
            foreach (var part in body.Split("--" + boundary).Skip(1))
            {
                if (part.StartsWith("--", StringComparison.Ordinal)) break;
                var (h, b) = SplitPart(part.TrimStart('\r', '\n'));
                if (TextBody(h, b) is { } found) return found;
            }
            return null;
        }
        if (!type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase)) return null;
        var charset = Charset(Parameter(type, "charset"));
        var transfer = (headers.GetValueOrDefault("Content-Transfer-Encoding") ?? "7bit").Trim().ToLowerInvariant();
        var bytes = transfer switch
        {
            "base64" => Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c)))),
            "quoted-printable" => QuotedPrintable(body, underscoreIsSpace: false),
            _ => Encoding.UTF8.GetBytes(body),
        };
        var text = charset.GetString(bytes);
        // SmtpClient ends the data with a line break of its own, outside base64.
        return transfer == "base64" ? text : text.TrimEnd('\r', '\n');
    }

    private static string? Parameter(string header, string name)
    {
        foreach (var piece in header.Split(';').Skip(1))
        {
            var eq = piece.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && piece[..eq].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return piece[(eq + 1)..].Trim().Trim('"');
        }
        return null;
    }

    private static Encoding Charset(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)) return Encoding.UTF8;
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    [GeneratedRegex(@"=\?([^?]+)\?([BbQq])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();

    /// <summary>
    /// RFC 2047: encoded-words decoded, the white space between two of them dropped, and adjacent
    /// words in one charset joined as bytes first (an encoder may split a character between them).
    /// </summary>
    public static string DecodeWords(string value)
    {
        var output = new StringBuilder();
        var pending = new List<byte>();
        Encoding? pendingCharset = null;
        var position = 0;
        void Flush()
        {
            if (pendingCharset is null) return;
            output.Append(pendingCharset.GetString([.. pending]));
            pending.Clear();
            pendingCharset = null;
        }
        foreach (Match m in EncodedWord().Matches(value))
        {
            var between = value[position..m.Index];
            if (pendingCharset is null || !string.IsNullOrWhiteSpace(between))
            {
                Flush();
                output.Append(between.Replace("\r\n", "", StringComparison.Ordinal));
            }
            var charset = Charset(m.Groups[1].Value.Split('*')[0]);
            if (pendingCharset is not null && pendingCharset.WebName != charset.WebName) Flush();
            pendingCharset = charset;
            pending.AddRange(m.Groups[2].Value is "B" or "b"
                ? Convert.FromBase64String(m.Groups[3].Value)
                : QuotedPrintable(m.Groups[3].Value, underscoreIsSpace: true));
            position = m.Index + m.Length;
        }
        Flush();
        output.Append(value[position..].Replace("\r\n", "", StringComparison.Ordinal));
        return output.ToString();
    }

    private static byte[] QuotedPrintable(string text, bool underscoreIsSpace)
    {
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '=' && i + 2 < text.Length && text[i + 1] == '\r' && text[i + 2] == '\n')
            {
                i += 2; // soft line break
            }
            else if (c == '=' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c == '_' && underscoreIsSpace)
            {
                bytes.Add((byte)' ');
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        return [.. bytes];
    }
}
