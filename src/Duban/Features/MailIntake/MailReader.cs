using System.Text;
using Duban.Common;
using Duban.Data;
using Duban.Features.Notifications;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Duban.Features.MailIntake;

/// <summary>What one pass over a mailbox did.</summary>
public sealed record MailPass(string Mailbox, int Registered, int Repeated, int Refused, bool Skipped = false);

/// <summary>
/// Reads the configured mailboxes over IMAP (MailKit; implicit TLS or STARTTLS): each unread message is taken by
/// <see cref="MailIntakeDoor"/> and, once its matter is committed, marked \Seen (and moved, when configured). A crash
/// between the two leaves it unread; the next pass finds its record and only marks it. Safe on several nodes: a
/// node leases a mailbox (one conditional UPDATE of its row) before reading it, and the message's unique record
/// settles any race that remains. A refused message (its text not acceptable) stays unread and is logged.
/// </summary>
public sealed class MailReader(IServiceScopeFactory scopes, IOptions<MailIntakeOptions> options, IOptions<SmtpOptions> smtp, TimeProvider time,
    ILogger<MailReader> logger)
{
    /// <summary>This node's name in a mailbox's lease (two hosts in one process differ).</summary>
    public string NodeId { get; } = Notifications.OutboxLoop.NewNodeId();

    public bool Enabled => options.Value.Mailboxes.Count > 0;

    /// <summary>Reads every mailbox once; a mailbox that fails (server away, wrong password) is logged and the others still read.</summary>
    public async Task<IReadOnlyList<MailPass>> ReadAllAsync(CancellationToken ct)
    {
        var passes = new List<MailPass>();
        foreach (var box in options.Value.Mailboxes)
        {
            try
            {
                passes.Add(await ReadAsync(box, ct));
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "Mailbox {Mailbox} could not be read", box.Name);
            }
        }
        return passes;
    }

    public async Task<MailPass> ReadAsync(MailboxOptions box, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
        if (!await ClaimAsync(db, box.Name, ct)) return new MailPass(box.Name, 0, 0, 0, Skipped: true);
        int registered = 0, repeated = 0, refused = 0;
        try
        {
            using var client = new ImapClient { Timeout = (int)MailIntakeOptions.CommandTimeout.TotalMilliseconds };
            MailTls.Configure(client, box.CertificateThumbprint);
            await client.ConnectAsync(box.Host, box.Port, box.EffectiveSecurity, ct);
            await client.AuthenticateAsync(box.UserName, box.Password, ct);
            var folder = await client.GetFolderAsync(box.Folder, ct);
            await folder.OpenAsync(FolderAccess.ReadWrite, ct);
            var target = Text.OrNull(box.MoveTo) is { } moveTo ? await client.GetFolderAsync(moveTo, ct) : null;
            var unread = await folder.SearchAsync(SearchQuery.NotSeen, ct);
            foreach (var uid in unread.Take(options.Value.BatchSize))
            {
                var message = await folder.GetMessageAsync(uid, ct);
                // A door per message: a refusal or a race leaves nothing tracked for the next.
                await using var messageScope = scopes.CreateAsyncScope();
                var door = messageScope.ServiceProvider.GetRequiredService<MailIntakeDoor>();
                var taken = await door.TakeAsync(box, message, time.Now(), ct);
                if (taken.Refused is { } why)
                {
                    refused++;
                    logger.LogWarning("Mailbox {Mailbox}: message {Uid} not registered: {Problem}", box.Name, uid, why);
                    continue;
                }
                if (taken.Repeated) repeated++;
                else registered++;
                // Only now, after the commit: marked read, and moved.
                await folder.AddFlagsAsync(uid, MessageFlags.Seen, true, ct);
                if (target is not null) await folder.MoveToAsync(uid, target, ct);
                if (!taken.Repeated && taken.Matter is { } matter && options.Value.Receipt) await SendReceiptAsync(message, matter, ct);
            }
            await client.DisconnectAsync(true, ct);
        }
        finally
        {
            await ReleaseAsync(db, box.Name);
        }
        if (registered > 0) logger.LogInformation("Mailbox {Mailbox}: {Count} e-mails registered", box.Name, registered);
        return new MailPass(box.Name, registered, repeated, refused);
    }

    /// <summary>The lease: this node's, when the mailbox is unclaimed, or its claim is over (its node stopped).</summary>
    private async Task<bool> ClaimAsync(DubanDb db, string mailbox, CancellationToken ct)
    {
        await db.Database.ExecuteSqlRawAsync("INSERT INTO mail_intake_mailboxes (mailbox) VALUES ({0}) ON CONFLICT (mailbox) DO NOTHING", [mailbox], ct);
        var now = time.Now();
        var leaseStart = now - MailIntakeOptions.Lease;
        return await db.Set<MailIntakeMailbox>()
            .Where(m => m.Mailbox == mailbox && (m.ClaimedBy == null || m.ClaimedAt < leaseStart))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedBy, NodeId).SetProperty(m => m.ClaimedAt, now), ct) == 1;
    }

    private async Task ReleaseAsync(DubanDb db, string mailbox)
    {
        var now = time.Now();
        await db.Set<MailIntakeMailbox>().Where(m => m.Mailbox == mailbox && m.ClaimedBy == NodeId)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedBy, (string?)null).SetProperty(m => m.ClaimedAt, (DateTimeOffset?)null)
                .SetProperty(m => m.ReadAt, now), CancellationToken.None);
    }

    /// <summary>
    /// The receipt (回执) to the sender: the matter's number, through the outbox's SMTP server. Best effort: the matter
    /// stands whether or not it arrives (the number is the sender's only to follow it by; it reveals nothing else).
    /// </summary>
    private async Task SendReceiptAsync(MimeMessage original, Matter matter, CancellationToken ct)
    {
        var o = smtp.Value;
        if (!o.Enabled || original.From.Mailboxes.FirstOrDefault() is not { } sender || SmtpOptions.Mailbox(o.From) is not { } from) return;
        try
        {
            using var reply = new MimeMessage { Subject = $"已收到您的来信，受理编号 {matter.Number} / received as {matter.Number}" };
            reply.From.Add(from);
            reply.To.Add(new MailboxAddress(null, sender.Address));
            if (Text.OrNull(original.MessageId) is { } id)
            {
                reply.InReplyTo = id;
                reply.References.Add(id);
            }
            var body = new TextPart(MimeKit.Text.TextFormat.Plain) { ContentTransferEncoding = ContentEncoding.Base64 };
            body.SetText(Encoding.UTF8, $"您的来信已于 {Clock.ChinaDate(matter.RegisteredAt):yyyy-MM-dd} 受理，受理编号 {matter.Number}。\r\n\r\n"
                + $"Your e-mail was registered as {matter.Number}.");
            reply.Body = body;
            using var client = new MailKit.Net.Smtp.SmtpClient();
            await MailOutbox.ConnectAsync(client, o, ct);
            await client.SendAsync(reply, ct);
            await client.DisconnectAsync(true, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Receipt for {Number} not sent", matter.Number);
        }
    }
}

/// <summary>Reads the mailboxes on every node every PollSeconds, when any is configured (BackgroundService + PeriodicTimer on TimeProvider).</summary>
public sealed class MailIntakeJob(MailReader reader, IOptions<MailIntakeOptions> options, TimeProvider time, ILogger<MailIntakeJob> logger) : BackgroundService
{
    // Stopped while reading, a mailbox keeps its lease until it ends.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        reader.Enabled
            ? PeriodicPass.RunAsync(TimeSpan.FromSeconds(options.Value.PollSeconds), time, reader.ReadAllAsync,
                e => logger.LogWarning(e, "Could not read the mailboxes"), stoppingToken)
            : Task.CompletedTask;
}
