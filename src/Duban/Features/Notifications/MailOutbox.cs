using System.Security.Cryptography;
using System.Text;
using Duban.Common;
using Duban.Data;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Duban.Features.Notifications;

/// <summary>
/// The e-mail outbox: notifications whose EmailState is pending, sent through the configured SMTP
/// server after the transaction that made them has committed. Safe on several nodes at once: a
/// node claims each e-mail with one conditional UPDATE (still pending, and unclaimed, or its
/// claim's lease over, or its retry due), so two nodes never send the same e-mail; it then sends,
/// and marks it sent, or counts the failure and releases it for a retry after a backoff, or gives
/// it up (failed) after MaxAttempts. Sent with MailKit (issue 19): implicit TLS on 465, which
/// System.Net.Mail cannot speak and Chinese enterprise mail commonly uses, or STARTTLS (<see cref="SmtpOptions.Security"/>).
/// A refusal with a 5xx reply (RFC 5321 §4.2.1: permanent negative completion) is given up at once;
/// a 4xx reply, a dropped connection or a timeout is retried after the backoff.
/// </summary>
public sealed class MailOutbox(IServiceScopeFactory scopes, IOptions<SmtpOptions> options, TimeProvider time, ILogger<MailOutbox> logger)
{
    private const int Batch = 20;

    /// <summary>This node's name in EmailClaimedBy: machine, process and a random suffix (two hosts in one process differ).</summary>
    public string NodeId { get; } = OutboxLoop.NewNodeId();

    /// <summary>Sends every e-mail that is due now, oldest first; returns how many were sent.</summary>
    public async Task<int> SendDueAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Enabled) return 0;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        SmtpClient? client = null;
        try
        {
            var sent = 0;
            while (true)
            {
                var due = await Due(db.Notifications, time.Now()).OrderBy(n => n.CreatedAt).ThenBy(n => n.Id)
                    .Select(n => n.Id).Take(Batch).ToListAsync(ct);
                var claimedAny = false;
                foreach (var id in due)
                {
                    var now = time.Now();
                    // The claim: only one node's UPDATE finds the row still due (the database orders
                    // concurrent updates of a row; PostgreSQL re-checks the condition after waiting).
                    var claimed = await Due(db.Notifications.Where(n => n.Id == id), now).ExecuteUpdateAsync(s => s
                        .SetProperty(n => n.EmailClaimedAt, now)
                        .SetProperty(n => n.EmailClaimedBy, NodeId), ct) == 1;
                    if (!claimed) continue;
                    claimedAny = true;
                    client ??= new SmtpClient();
                    if (await SendClaimedAsync(db, client, o, id, ct))
                    {
                        sent++;
                    }
                    else
                    {
                        // A client whose conversation failed or timed out is not trusted with the next message.
                        client.Dispose();
                        client = null;
                    }
                }
                // Nothing due, or every one taken by other nodes: this pass is over. (A failed e-mail
                // is released with a retry time in the future, so it does not come back in this pass.)
                if (!claimedAny) return sent;
            }
        }
        finally
        {
            if (client is { IsConnected: true })
            {
                try
                {
                    await client.DisconnectAsync(true, CancellationToken.None);
                }
                catch (Exception e) when (e is IOException or MailKit.ProtocolException or MailKit.CommandException or System.Net.Sockets.SocketException)
                {
                    // Everything is sent and marked; a QUIT not answered changes nothing.
                }
            }
            client?.Dispose();
        }
    }

    /// <summary>
    /// Pending and claimable now: never claimed, or claimed by a node whose lease is over (it
    /// stopped while sending), or released after a failure (no claimant) with its retry due; a
    /// released row's EmailClaimedAt is the time of its retry.
    /// </summary>
    private static IQueryable<Notification> Due(IQueryable<Notification> rows, DateTimeOffset now)
    {
        var leaseStart = now - SmtpOptions.Lease;
        return rows.Where(n => n.EmailState == Notification.EmailPending
            && (n.EmailClaimedAt == null
                || (n.EmailClaimedBy != null && n.EmailClaimedAt < leaseStart)
                || (n.EmailClaimedBy == null && n.EmailClaimedAt <= now)));
    }

    private async Task<bool> SendClaimedAsync(DubanDb db, SmtpClient client, SmtpOptions o, long id, CancellationToken ct)
    {
        var n = await db.Notifications.AsNoTracking().FirstAsync(x => x.Id == id, ct);
        var number = n.MatterId is { } matterId
            ? await db.Matters.AsNoTracking().Where(m => m.Id == matterId).Select(m => m.Number).FirstOrDefaultAsync(ct)
            : null;
        var (error, permanent) = await TrySendAsync(client, o, n, number, ct);
        if (error is null)
        {
            // Marked even when stopping: an e-mail sent but left claimed would go again after the lease.
            var at = time.Now();
            var marked = await Claimed(db, id).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.EmailState, Notification.EmailSent)
                .SetProperty(x => x.EmailSentAt, at)
                .SetProperty(x => x.EmailAttempts, n.EmailAttempts + 1), CancellationToken.None);
            if (marked == 0)
            {
                logger.LogWarning("E-mail for notification {Id} was sent after this node's claim had lapsed; another node may send it again", id);
            }
            return true;
        }
        var attempts = n.EmailAttempts + 1;
        var failed = permanent || attempts >= o.MaxAttempts;
        var now = time.Now();
        await Claimed(db, id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.EmailAttempts, attempts)
            .SetProperty(x => x.EmailError, error.Length > 1000 ? error[..1000] : error)
            .SetProperty(x => x.EmailState, failed ? Notification.EmailFailed : Notification.EmailPending)
            .SetProperty(x => x.EmailClaimedBy, failed ? NodeId : null)
            .SetProperty(x => x.EmailClaimedAt, failed ? now : now + SmtpOptions.Backoff(attempts)), CancellationToken.None);
        if (failed)
            logger.LogWarning("E-mail for notification {Id} failed for good after {Attempts} attempts: {Error}", id, attempts, error);
        else
            logger.LogInformation("E-mail for notification {Id} failed (attempt {Attempts} of {Max}), retry after {Backoff}: {Error}",
                id, attempts, o.MaxAttempts, SmtpOptions.Backoff(attempts), error);
        return false;
    }

    /// <summary>Sends one message: null, or why not and whether trying again could help.</summary>
    private static async Task<(string? Error, bool Permanent)> TrySendAsync(SmtpClient client, SmtpOptions o, Notification n, string? number, CancellationToken ct)
    {
        MimeMessage message;
        try
        {
            message = Compose(o, n, number);
        }
        catch (Exception e) when (e is FormatException or ParseException)
        {
            // An address that is not one: no retry will make it one.
            return (e.Message, true);
        }
        try
        {
            using (message)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(SmtpOptions.SendTimeout);
                await ConnectAsync(client, o, timeout.Token);
                await client.SendAsync(message, timeout.Token);
                return (null, false);
            }
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
        {
            // RFC 5321 §4.2.1: a 5yz reply is a permanent refusal (no such mailbox, policy); the same message
            // would be refused again, five times over the backoff. Given up at once.
            return ($"{(int)e.StatusCode} {e.Message}", true);
        }
        catch (SmtpCommandException e) when (!ct.IsCancellationRequested)
        {
            // A 4yz reply: the server asks to try later (greylisting, a full queue).
            return ($"{(int)e.StatusCode} {e.Message}", false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // (Stopping, ct, is not caught: the claim lapses and another node, or this one restarted, sends it.)
            return (e is OperationCanceledException ? $"no answer within {SmtpOptions.SendTimeout.TotalSeconds:0} s" : Describe(e), false);
        }
    }

    private IQueryable<Notification> Claimed(DubanDb db, long id) =>
        db.Notifications.Where(x => x.Id == id && x.EmailState == Notification.EmailPending && x.EmailClaimedBy == NodeId);

    /// <summary>
    /// Subject: the Chinese title; body: the Chinese text, the English below it where there is one, and the matter's
    /// number. Nothing else: callers never give
    /// a raiser's identity, and none is added here (a unit's mailbox is read by more people than its handlers).
    /// The text is UTF-8 in base64, the subject RFC 2047 encoded words: what Chinese mail clients read.
    /// </summary>
    public static MimeMessage Compose(SmtpOptions o, Notification n, string? matterNumber)
    {
        var to = (n.EmailTo ?? throw new FormatException("no address / 无收件地址"))
            .Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (to.Length == 0) throw new FormatException("no address / 无收件地址");
        var message = new MimeMessage
        {
            // A subject is one line.
            Subject = n.Title.ReplaceLineEndings(" "),
        };
        message.From.Add(SmtpOptions.Mailbox(o.From) ?? throw new FormatException($"{o.From} is not an address"));
        foreach (var address in to) message.To.Add(SmtpOptions.Mailbox(address) ?? throw new FormatException($"{address} is not an e-mail address / 不是有效的邮箱地址"));
        var body = new TextPart(MimeKit.Text.TextFormat.Plain) { ContentTransferEncoding = ContentEncoding.Base64 };
        body.SetText(Encoding.UTF8, (n.BodyEn is { } english ? $"{n.Body}\r\n\r\n{english}" : n.Body)
            + (matterNumber is null ? "" : $"\r\n\r\n事项编号 / Matter: {matterNumber}"));
        message.Body = body;
        return message;
    }

    /// <summary>Connects and signs in once per pass; a client still connected from the last message is reused (also the e-mail intake's receipts).</summary>
    internal static async Task ConnectAsync(SmtpClient client, SmtpOptions o, CancellationToken ct)
    {
        if (client.IsConnected) return;
        client.Timeout = (int)SmtpOptions.SendTimeout.TotalMilliseconds;
        MailTls.Configure(client, o.CertificateThumbprint);
        await client.ConnectAsync(o.Host!.Trim(), o.Port, o.EffectiveSecurity, ct);
        if (Text.OrNull(o.UserName) is { } user && client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
            await client.AuthenticateAsync(user, o.Password ?? "", ct);
    }

    private static string Describe(Exception e)
    {
        var text = new StringBuilder(e.Message);
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException) text.Append(" — ").Append(inner.Message);
        return text.ToString();
    }
}

/// <summary>Runs the outbox on every node every PollSeconds, when e-mail is configured (CONVENTIONS: BackgroundService + PeriodicTimer on TimeProvider).</summary>
public sealed class NotificationMailer(MailOutbox outbox, IOptions<SmtpOptions> options, TimeProvider time, ILogger<NotificationMailer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled ? OutboxLoop.RunAsync(options.Value.PollSeconds, time, outbox.SendDueAsync, logger, "notification e-mails", stoppingToken) : Task.CompletedTask;
}

/// <summary>An outbox's pass on every node every PollSeconds (CONVENTIONS: PeriodicTimer on TimeProvider), the e-mail's and the SMS's.</summary>
public static class OutboxLoop
{
    /// <summary>A node's name in a claim: machine, process and a random suffix (two hosts in one process differ).</summary>
    public static string NewNodeId() => $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    /// <summary>Stopped while sending, a message keeps its claim until the lease ends.</summary>
    internal static Task RunAsync(int pollSeconds, TimeProvider time, Func<CancellationToken, Task<int>> pass, ILogger logger, string what,
        CancellationToken stoppingToken) =>
        PeriodicPass.RunAsync(TimeSpan.FromSeconds(pollSeconds), time, async ct =>
        {
            var sent = await pass(ct);
            if (sent > 0) logger.LogInformation("Sent {Count} {What}", sent, what);
        }, e => logger.LogWarning(e, "Could not send {What}", what), stoppingToken);
}
