using Duban.Common;
using Duban.Data;
using Duban.Features.Units;
using Microsoft.Extensions.Options;

namespace Duban.Features.Notifications;

/// <summary>
/// What to tell a unit: who in it (roles), about which matter and event, and the text: <paramref name="Title"/> and
/// <paramref name="Body"/> in Chinese, <paramref name="TitleEn"/> and <paramref name="BodyEn"/> in English, each
/// language whole (a page shows its own; the e-mail both, Chinese first).
/// </summary>
public sealed record NotifyRequest(string UnitCode, IReadOnlyList<string> Roles, string Kind, string Title, string Body,
    long? MatterId = null, long? EventSeq = null, string? TitleEn = null, string? BodyEn = null);

/// <summary>
/// Adds notifications to the context, in the caller's transaction: they exist exactly when the
/// event that caused them does. An e-mail goes to the unit's address when it has one and e-mail is
/// configured (Duban:Notifications:Smtp:Host); the outbox (MailOutbox) delivers it after the commit. A text message goes
/// to each of the unit's SMS numbers when it has some and SMS is configured for the kind (Duban:Notifications:Sms);
/// the SMS outbox (SmsOutbox) delivers them after the commit.
/// </summary>
public sealed class Notifier(DubanDb db, TimeProvider time, UnitDirectory units, IOptions<SmtpOptions> smtp, IOptions<SmsOptions> sms)
{
    public async Task<Notification> AddAsync(NotifyRequest r, CancellationToken ct)
    {
        var unit = await units.FindAsync(r.UnitCode, ct);
        // Several addresses may be written with ';' as well as ','; the mail message takes ','.
        var email = smtp.Value.Enabled ? Text.OrNull(unit?.Email?.Replace(';', ',')) : null;
        var row = new Notification
        {
            MatterId = r.MatterId,
            EventSeq = r.EventSeq,
            UnitCode = r.UnitCode,
            // Matched as ",role," by the inbox: no spaces, no empty entries.
            Roles = string.Join(',', r.Roles.Select(x => x.Trim()).Where(x => x.Length > 0)),
            Kind = r.Kind,
            Title = r.Title,
            Body = r.Body,
            TitleEn = Text.OrNull(r.TitleEn),
            BodyEn = Text.OrNull(r.BodyEn),
            CreatedAt = time.Now(),
            EmailTo = email,
            EmailState = email is null ? Notification.EmailNone : Notification.EmailPending,
        };
        db.Notifications.Add(row);
        var o = sms.Value;
        if (o.Enabled && o.Sends(r.Kind) && Text.OrNull(unit?.Sms) is { } numbers)
        {
            var text = SmsMessage.Compose(o, r.Title, r.Body);
            foreach (var phone in numbers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                db.Set<SmsMessage>().Add(new SmsMessage { Notification = row, Phone = phone, Text = text, State = SmsMessage.Pending, CreatedAt = row.CreatedAt });
            }
        }
        return row;
    }

    /// <summary>
    /// How a notification names a matter: its number and title; a confidential matter's title
    /// stays out (e-mail leaves the system), its number alone and 【保密】.
    /// </summary>
    public static string Subject(Matter m) => m.Confidential ? $"{m.Number}【保密】" : $"{m.Number}「{m.Title}」";
}
