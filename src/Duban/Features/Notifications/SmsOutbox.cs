using Duban.Common;
using Duban.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;

namespace Duban.Features.Notifications;

/// <summary>A text message of a notification to one of its unit's SMS numbers (sms_messages, schema 0048).</summary>
public sealed class SmsMessage
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Failed = "failed";

    public long Id { get; set; }
    public long NotificationId { get; set; }
    public Notification? Notification { get; set; }
    public required string Phone { get; set; }
    public required string Text { get; set; }
    public required string State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When claimed (with <see cref="ClaimedBy"/>), or when a retry is due (released, ClaimedBy null).</summary>
    public DateTimeOffset? ClaimedAt { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? Error { get; set; }

    /// <summary>
    /// The text: the signature, the notification's Chinese title and body (the title names a confidential matter by its
    /// number alone, <see cref="Notifier.Subject"/>), cut at <see cref="SmsOptions.MaxChars"/>.
    /// </summary>
    public static string Compose(SmsOptions o, string title, string body)
    {
        ArgumentNullException.ThrowIfNull(o);
        var text = $"{o.Signature?.Trim()}{title} {body}".ReplaceLineEndings(" ");
        return text.Length <= o.MaxChars ? text : string.Concat(text.AsSpan(0, o.MaxChars - 1), "…");
    }
}

internal sealed class SmsMessageConfiguration : IEntityTypeConfiguration<SmsMessage>
{
    public void Configure(EntityTypeBuilder<SmsMessage> e)
    {
        e.ToTable("sms_messages");
        e.HasOne(x => x.Notification).WithMany().HasForeignKey(x => x.NotificationId);
    }
}

/// <summary>
/// The SMS outbox, as the e-mail outbox (<see cref="MailOutbox"/>) is: text messages pending after the transaction that
/// made their notification has committed, each claimed by one node with one conditional UPDATE (still pending, and
/// unclaimed, or its claim's lease over, or its retry due), sent through the <see cref="ISmsGateway"/>, then marked sent,
/// or released for a retry after a backoff (1, 2, 4 … minutes, at most an hour), or given up (failed) when the gateway
/// says the refusal is permanent or after MaxAttempts.
/// </summary>
public sealed class SmsOutbox(IServiceScopeFactory scopes, ISmsGateway gateway, IOptions<SmsOptions> options, TimeProvider time, ILogger<SmsOutbox> logger)
{
    private const int Batch = 20;

    /// <summary>This node's name in ClaimedBy: machine, process and a random suffix.</summary>
    public string NodeId { get; } = OutboxLoop.NewNodeId();

    /// <summary>A claimed message not finished within this time may be claimed by another node (its node stopped).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Sends every text message due now, oldest first; returns how many were sent.</summary>
    public async Task<int> SendDueAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Enabled) return 0;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        var sent = 0;
        while (true)
        {
            var due = await Due(db.Set<SmsMessage>(), time.Now()).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
                .Select(m => m.Id).Take(Batch).ToListAsync(ct);
            var claimedAny = false;
            foreach (var id in due)
            {
                var now = time.Now();
                var claimed = await Due(db.Set<SmsMessage>().Where(m => m.Id == id), now).ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.ClaimedAt, now)
                    .SetProperty(m => m.ClaimedBy, NodeId), ct) == 1;
                if (!claimed) continue;
                claimedAny = true;
                if (await SendClaimedAsync(db, o, id, ct)) sent++;
            }
            if (!claimedAny) return sent;
        }
    }

    private static IQueryable<SmsMessage> Due(IQueryable<SmsMessage> rows, DateTimeOffset now)
    {
        var leaseStart = now - Lease;
        return rows.Where(m => m.State == SmsMessage.Pending
            && (m.ClaimedAt == null
                || (m.ClaimedBy != null && m.ClaimedAt < leaseStart)
                || (m.ClaimedBy == null && m.ClaimedAt <= now)));
    }

    private async Task<bool> SendClaimedAsync(DubanDb db, SmsOptions o, long id, CancellationToken ct)
    {
        var m = await db.Set<SmsMessage>().AsNoTracking().FirstAsync(x => x.Id == id, ct);
        var result = await gateway.SendAsync(new SmsSend(m.Phone, m.Text, $"duban-sms-{m.Id}"), ct);
        var claimed = db.Set<SmsMessage>().Where(x => x.Id == id && x.State == SmsMessage.Pending && x.ClaimedBy == NodeId);
        var now = time.Now();
        if (result.IsSent)
        {
            // Marked even when stopping: a message sent but left claimed would go again after the lease.
            await claimed.ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, SmsMessage.Sent)
                .SetProperty(x => x.SentAt, now)
                .SetProperty(x => x.Attempts, m.Attempts + 1), CancellationToken.None);
            return true;
        }
        var attempts = m.Attempts + 1;
        var failed = result.Permanent || attempts >= o.MaxAttempts;
        var error = result.Error!.Length > 1000 ? result.Error[..1000] : result.Error;
        await claimed.ExecuteUpdateAsync(s => s
            .SetProperty(x => x.Attempts, attempts)
            .SetProperty(x => x.Error, error)
            .SetProperty(x => x.State, failed ? SmsMessage.Failed : SmsMessage.Pending)
            .SetProperty(x => x.ClaimedBy, failed ? NodeId : null)
            .SetProperty(x => x.ClaimedAt, failed ? now : now + SmtpOptions.Backoff(attempts)), CancellationToken.None);
        if (failed)
            logger.LogWarning("SMS {Id} failed for good after {Attempts} attempts: {Error}", id, attempts, error);
        else
            logger.LogInformation("SMS {Id} failed (attempt {Attempts} of {Max}), retry after {Backoff}: {Error}",
                id, attempts, o.MaxAttempts, SmtpOptions.Backoff(attempts), error);
        return false;
    }
}

/// <summary>Runs the SMS outbox on every node every PollSeconds, when a gateway is configured.</summary>
public sealed class SmsSender(SmsOutbox outbox, IOptions<SmsOptions> options, TimeProvider time, ILogger<SmsSender> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled ? OutboxLoop.RunAsync(options.Value.PollSeconds, time, outbox.SendDueAsync, logger, "notification text messages", stoppingToken) : Task.CompletedTask;
}
