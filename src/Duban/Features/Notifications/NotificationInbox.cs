using Duban.Common;
using Duban.Data;
using Duban.Features.Matters;
using Microsoft.EntityFrameworkCore;

namespace Duban.Features.Notifications;

/// <summary>A notification as its reader sees it: <c>title</c> and <c>body</c> in Chinese, <c>titleEn</c> and <c>bodyEn</c> in English (null on older rows).</summary>
public sealed record NotificationView(long Id, string Kind, string Title, string Body, long? MatterId, DateTimeOffset CreatedAt, bool Read,
    string? TitleEn = null, string? BodyEn = null)
{
    /// <summary>The title in the page's language: the English where the page is English and there is one.</summary>
    public string TitleIn(System.Globalization.CultureInfo culture) => IsEnglish(culture) && TitleEn is { } en ? en : Title;

    /// <summary>The body in the page's language, as <see cref="TitleIn"/>.</summary>
    public string BodyIn(System.Globalization.CultureInfo culture) => IsEnglish(culture) && BodyEn is { } en ? en : Body;

    private static bool IsEnglish(System.Globalization.CultureInfo culture) => culture.TwoLetterISOLanguageName == "en";
}

public sealed record UnreadCount(int Count);

/// <summary>
/// The signed-in user's notifications: those of their unit addressed to one of their roles, and,
/// for one about a matter, only while they may see that matter (MatterScope.Visible): a unit that
/// no longer holds a matter stops reading about it. Read marks are per user; reading changes no
/// record of a case, so it is not an audit event.
/// </summary>
public sealed class NotificationInbox(DubanDb db, MatterScope scope, TimeProvider time)
{
    public const int MaxPageSize = 100;

    public async Task<Result<PageOf<NotificationView>>> ListAsync(bool unread, int? page, int? pageSize, Actor actor, CancellationToken ct)
    {
        var (p, size) = (page ?? 1, pageSize ?? 20);
        if (p < 1 || p > MatterQueries.MaxPage || size < 1 || size > MaxPageSize)
            return Error.Validation($"page is 1 to {MatterQueries.MaxPage}; pageSize is 1 to {MaxPageSize} / 页码或每页条数超出范围");
        var userId = UserId(actor);
        var query = Addressed(actor);
        if (unread) query = query.Where(n => !db.NotificationReads.Any(r => r.NotificationId == n.Id && r.UserId == userId));
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Skip((p - 1) * size).Take(size)
            .Select(n => new NotificationView(n.Id, n.Kind, n.Title, n.Body, n.MatterId, n.CreatedAt,
                db.NotificationReads.Any(r => r.NotificationId == n.Id && r.UserId == userId), n.TitleEn, n.BodyEn))
            .ToListAsync(ct);
        return new PageOf<NotificationView>(items, total, p, size);
    }

    public async Task<UnreadCount> UnreadCountAsync(Actor actor, CancellationToken ct)
    {
        var userId = UserId(actor);
        return new UnreadCount(await Addressed(actor)
            .CountAsync(n => !db.NotificationReads.Any(r => r.NotificationId == n.Id && r.UserId == userId), ct));
    }

    /// <summary>Marks one notification read for this user; again is no change. One not addressed to them is 404.</summary>
    public async Task<Result<NotificationView>> MarkReadAsync(long id, Actor actor, CancellationToken ct)
    {
        var n = await Addressed(actor).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (n is null) return Error.NotFound("通知不存在 / notification not found");
        var userId = UserId(actor);
        var now = time.Now();
        // Two clicks at once both succeed: the second insert does nothing.
        object readAt = db.IsPostgres ? now : now.ToUnixTimeMilliseconds();
        await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES ({0}, {1}, {2}) ON CONFLICT DO NOTHING",
            [n.Id, userId, readAt], ct);
        return new NotificationView(n.Id, n.Kind, n.Title, n.Body, n.MatterId, n.CreatedAt, true, n.TitleEn, n.BodyEn);
    }

    /// <summary>
    /// Marks read every unread notification of this user up to <paramref name="upToId"/> (the newest the
    /// page showed, so one that arrived since stays unread); how many were marked. Same rule as one.
    /// </summary>
    public async Task<int> MarkAllReadAsync(long upToId, Actor actor, CancellationToken ct)
    {
        var userId = UserId(actor);
        var ids = await Addressed(actor)
            .Where(n => n.Id <= upToId && !db.NotificationReads.Any(r => r.NotificationId == n.Id && r.UserId == userId))
            .Select(n => n.Id).ToListAsync(ct);
        object readAt = db.IsPostgres ? time.Now() : time.Now().ToUnixTimeMilliseconds();
        // Rows of three parameters, 500 a statement: well inside both databases' parameter limits.
        foreach (var chunk in ids.Chunk(500))
        {
            var values = string.Join(", ", chunk.Select((_, i) => $"({{{3 * i}}}, {{{3 * i + 1}}}, {{{3 * i + 2}}})"));
            var parameters = chunk.SelectMany(id => new object[] { id, userId, readAt }).ToArray();
#pragma warning disable EF1002 // only placeholders are interpolated; the values are parameters
            await db.Database.ExecuteSqlRawAsync(
                $"INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES {values} ON CONFLICT DO NOTHING", parameters, ct);
#pragma warning restore EF1002
        }
        return ids.Count;
    }

    /// <summary>Addressed to the actor's unit and one of their roles, and about no matter or one they see.</summary>
    private IQueryable<Notification> Addressed(Actor actor)
    {
        // Roles are stored "handler,leader": a role matches as ",role," inside ",handler,leader,".
        var roles = actor.Roles.Select(r => "," + r + ",").ToArray();
        var unit = actor.UnitCode;
        var visible = scope.Visible(db.Matters, db, actor);
        // Each notification's matter is looked up by key (EXISTS … m.id = n.matter_id), never the whole visible set.
        return db.Notifications.AsNoTracking()
            .Where(n => n.UnitCode == unit)
            .Where(n => roles.Any(r => ("," + n.Roles + ",").Contains(r)))
            .Where(n => n.MatterId == null || visible.Any(m => m.Id == n.MatterId));
    }

    // The endpoints require a signed-in user; only the system actor has no id, and it has no inbox.
    private static long UserId(Actor actor) => actor.Id ?? -1;
}
