using Duban.Common;
using Duban.Data;
using Duban.Features.Units;

namespace Duban.Features.Notifications;

/// <summary>What to tell a unit: who in it (roles), about which matter and event, and the text.</summary>
public sealed record NotifyRequest(string UnitCode, IReadOnlyList<string> Roles, string Kind, string Title, string Body,
    long? MatterId = null, long? EventSeq = null);

/// <summary>
/// Adds notifications to the context, in the caller's transaction: they exist exactly when the
/// event that caused them does. An e-mail goes to the unit's address when it has one; the outbox
/// sender (NotificationMailer) delivers it after the commit.
/// </summary>
public sealed class Notifier(DubanDb db, TimeProvider time, UnitDirectory units)
{
    public async Task<Notification> AddAsync(NotifyRequest r, CancellationToken ct)
    {
        var unit = await units.FindAsync(r.UnitCode, ct);
        var email = Text.OrNull(unit?.Email);
        var row = new Notification
        {
            MatterId = r.MatterId,
            EventSeq = r.EventSeq,
            UnitCode = r.UnitCode,
            Roles = string.Join(',', r.Roles),
            Kind = r.Kind,
            Title = r.Title,
            Body = r.Body,
            CreatedAt = time.Now(),
            EmailTo = email,
            EmailState = email is null ? Notification.EmailNone : Notification.EmailPending,
        };
        db.Notifications.Add(row);
        return row;
    }
}
