using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;

namespace Duban.Features.Notifications;

/// <summary>The signed-in user's notifications over HTTP (v1).</summary>
public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/notifications").RequireAuthorization().WithTags("Notifications");
        g.MapGet("", async (bool? unread, int? page, int? pageSize, NotificationInbox inbox, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await inbox.ListAsync(unread ?? false, page, pageSize, http.Actor(), ct)))
            .WithSummary("The user's notifications, newest first (unread=true: only those not yet read)")
            .Produces<PageOf<NotificationView>>().ProducesProblem(400);
        g.MapGet("/unread-count", async (NotificationInbox inbox, HttpContext http, CancellationToken ct) =>
                Results.Ok(await inbox.UnreadCountAsync(http.Actor(), ct)))
            .WithSummary("How many of the user's notifications are unread")
            .Produces<UnreadCount>();
        g.MapPost("/{id:long}/read", async (long id, NotificationInbox inbox, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await inbox.MarkReadAsync(id, http.Actor(), ct)))
            .WithSummary("Marks a notification read for this user (again: no change)")
            .Produces<NotificationView>().ProducesProblem(404);
        return api;
    }
}
