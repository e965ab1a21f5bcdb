using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Duban.Common;
using Duban.Data;
using Duban.Features.Attachments;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Features.Rounds;
using Duban.Features.Units;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Duban.Features.MailIntake;

/// <summary>What became of one message: registered now (its matter), registered before (Repeated), or refused (why; it stays unread).</summary>
public sealed record MailTaken(Matter? Matter, bool Repeated, string? Refused = null);

/// <summary>
/// Turns one e-mail into a matter on channel <c>email</c> through the same intake as the portal
/// (<see cref="RegisterMatter"/>: validation, numbering, sealing of the raiser, first event, clock), then gives it to
/// the mailbox's owner by the ordinary dispatch (its event, its deadline, the unit's notice). The sender is the
/// raiser, sealed. An inspection group's report mailbox makes a confidential report (举报) to that group.
/// Once only per Message-ID: the message's record (<see cref="MailIntakeMessage"/>) is inserted in the matter's own
/// transaction, and its unique key refuses a second one, so that neither a repeat nor a crash half-way (before the
/// message was marked read) registers it twice.
/// </summary>
public sealed class MailIntakeDoor(DubanDb db, RegisterMatter register, Dispatch dispatch, UnitDirectory units, IOptions<AttachmentOptions> photoOptions,
    IConfiguration configuration, ILogger<MailIntakeDoor> logger)
{
    public const string Channel = "email";

    /// <summary>The largest attachment that is not a photo kept with the matter (larger ones are named in its content).</summary>
    public const int MaxFileBytes = 20 * 1024 * 1024;

    /// <summary>The key of a message in its mailbox: the SHA-256 of its Message-ID, or of its bytes when it has none.</summary>
    public static string Key(MimeMessage message)
    {
        if (Text.OrNull(message.MessageId) is { } id) return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("message-id:" + id)));
        using var bytes = new MemoryStream();
        message.WriteTo(bytes);
        return Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray()));
    }

    public async Task<bool> SeenAsync(string mailbox, string key, CancellationToken ct) =>
        await db.Set<MailIntakeMessage>().AnyAsync(m => m.Mailbox == mailbox && m.MessageId == key, ct);

    public async Task<MailTaken> TakeAsync(MailboxOptions box, MimeMessage message, DateTimeOffset now, CancellationToken ct)
    {
        var key = Key(message);
        if (await SeenAsync(box.Name, key, ct)) return new MailTaken(null, true);
        var owner = await units.FindAsync(box.UnitCode, ct);
        if (owner is null) return new MailTaken(null, false, $"the mailbox's unit {box.UnitCode} is not a unit");
        var group = owner.Kind == RoundChanges.InspectionGroupKind;

        var (photos, files, notKept) = Split(message);
        var content = Clean(message.TextBody ?? (message.HtmlBody is { } html ? HtmlText(html) : null));
        if (notKept.Count > 0) content += $"\n\n（附件过大未保存 / attachments too large to keep: {string.Join(", ", notKept)}）";
        if (string.IsNullOrWhiteSpace(content)) content = "（邮件无正文 / the e-mail has no text）";
        if (content.Length > 20_000) content = content[..19_990] + "…";
        var subject = Clean(message.Subject).ReplaceLineEndings(" ").Trim();
        var title = subject.Length > 0 ? subject : "电子邮件：" + Clean(content).ReplaceLineEndings(" ").Trim();
        if (title.Length > 200) title = title[..199] + "…";
        var received = message.Date.ToUniversalTime();
        var sender = message.From.Mailboxes.FirstOrDefault();
        var command = new RegisterCommand(group ? MatterKinds.Report : box.Kind, Channel, title, content,
            ReceivedAt: received > now || received < now.AddYears(-5) ? null : received,
            Anonymous: sender is null, Raiser: sender is null ? null : new RaiserInput(Raiser(sender), null),
            // A report to an inspection group is confidential: the inspected never learn who wrote (M1).
            Confidential: group ? true : null);
        var actor = new Actor(null, "mail:" + box.Name, "电子邮件 · " + box.Name, "", "", "", new HashSet<string>(StringComparer.Ordinal), []);
        Result<Registered> registered;
        try
        {
            registered = await register.ExecuteAsync(command, actor, photos, m =>
                [new MailIntakeMessage { MatterId = m.Id, Mailbox = box.Name, MessageId = key, ReceivedAt = m.RegisteredAt },
                 .. files.Select((f, i) => new MailIntakeFile
                 {
                     MatterId = m.Id, Seq = i + 1, FileName = f.Name, ContentType = f.ContentType, Size = f.Bytes.Length,
                     Sha256 = Convert.ToHexStringLower(SHA256.HashData(f.Bytes)), Content = f.Bytes,
                 })], ct);
        }
        catch (Exception e) when (e is DbUpdateException or DbException)
        {
            // Another node registered this message a moment ago: its record's unique key refused ours, and nothing of ours was kept.
            db.ChangeTracker.Clear();
            if (await SeenAsync(box.Name, key, ct)) return new MailTaken(null, true);
            throw;
        }
        if (!registered.IsSuccess) return new MailTaken(null, false, registered.Error!.Message);
        var matter = registered.Value!.Matter;
        // To the owner by the ordinary dispatch, as the auto-dispatcher does: a refusal leaves the matter in the dispatcher's queue.
        var given = await dispatch.ExecuteAsync(matter.Id, new DispatchRequest(matter.Version, owner.Code, [], null,
            $"来自{owner.ShortName ?? owner.Name}的邮箱 / from the mailbox of {owner.Code}"), Dispatcher, ct);
        if (!given.IsSuccess) logger.LogWarning("E-mail matter {Number} stays in the queue: {Problem}", matter.Number, given.Error!.Message);
        return new MailTaken(given.IsSuccess ? given.Value! : matter, false);
    }

    /// <summary>The dispatcher the intake acts as (as <see cref="Dispatching.AutoDispatcher"/>): city-wide, no account.</summary>
    private Actor Dispatcher => new(null, "mail-intake", "邮件受理", "", "", configuration["Duban:HomeDivision"] ?? "440700",
        new HashSet<string>(StringComparer.Ordinal) { Roles.Dispatcher }, []);

    /// <summary>"名称 &lt;address&gt;" when it fits the raiser's 50 characters, else the address.</summary>
    private static string Raiser(MailboxAddress sender)
    {
        var name = Clean(sender.Name).ReplaceLineEndings(" ").Trim();
        var full = name.Length > 0 ? $"{name} <{sender.Address}>" : sender.Address;
        return full.Length <= 50 ? full : sender.Address.Length <= 50 ? sender.Address : sender.Address[..50];
    }

    private sealed record FileIn(string Name, string ContentType, byte[] Bytes);

    /// <summary>
    /// Images that pass the photo rules (Features/Attachments: type, size, stripped), up to the number a report may
    /// carry, become the matter's photos; every other attachment is kept as it came (<see cref="MailIntakeFile"/>).
    /// </summary>
    private (List<PhotoUpload> Photos, List<FileIn> Files, List<string> NotKept) Split(MimeMessage message)
    {
        var options = photoOptions.Value;
        var photos = new List<PhotoUpload>();
        var files = new List<FileIn>();
        var notKept = new List<string>();
        var n = 0;
        foreach (var part in message.Attachments.OfType<MimePart>())
        {
            n++;
            var name = Clean(part.FileName) is { Length: > 0 } given ? given : $"attachment-{n}";
            if (name.Length > 200) name = name[^200..];
            using var bytes = new MemoryStream();
            part.Content?.DecodeTo(bytes);
            var content = bytes.ToArray();
            if (part.ContentType.MediaType.Equals("image", StringComparison.OrdinalIgnoreCase) && photos.Count < options.MaxPhotos)
            {
                var upload = new PhotoUpload(name, content);
                if (Photos.Check([upload], options).Problems.Count == 0)
                {
                    photos.Add(upload);
                    continue;
                }
            }
            if (content.Length > MaxFileBytes)
            {
                notKept.Add(name);
                continue;
            }
            files.Add(new FileIn(name, part.ContentType.MimeType, content));
        }
        return (photos, files, notKept);
    }

    /// <summary>An HTML-only message's text: its character data (entities decoded), block tags as line ends, no script or style.</summary>
    private static string HtmlText(string html)
    {
        var text = new StringBuilder();
        using var reader = new StringReader(html);
        var tokenizer = new MimeKit.Text.HtmlTokenizer(reader);
        var skipping = false;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case MimeKit.Text.HtmlTagToken tag when tag.Id is MimeKit.Text.HtmlTagId.Script or MimeKit.Text.HtmlTagId.Style:
                    skipping = !tag.IsEndTag;
                    break;
                case MimeKit.Text.HtmlTagToken tag when tag.Id is MimeKit.Text.HtmlTagId.Br or MimeKit.Text.HtmlTagId.P or MimeKit.Text.HtmlTagId.Div
                    or MimeKit.Text.HtmlTagId.TR or MimeKit.Text.HtmlTagId.LI:
                    text.Append('\n');
                    break;
                case MimeKit.Text.HtmlDataToken data when !skipping:
                    text.Append(data.Data);
                    break;
            }
        }
        return text.ToString();
    }

    /// <summary>Text as the intake takes it: line ends as \n, other control and direction-override characters gone.</summary>
    private static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var s = new StringBuilder(text.Length);
        foreach (var ch in text.ReplaceLineEndings("\n"))
        {
            if (Text.HasControlCharacters(ch.ToString())) s.Append(ch == '\t' ? ch : ' ');
            else s.Append(ch);
        }
        return s.ToString().Trim();
    }
}
