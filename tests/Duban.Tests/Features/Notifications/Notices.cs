using Duban.Data;
using Duban.Features.Notifications;
using Duban.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Notifications;

/// <summary>Notifications added as the supervision steps and actions add them: through the Notifier, saved at once.</summary>
internal static class Notices
{
    /// <summary>An urge to the <paramref name="roles"/> of <paramref name="unit"/>, about a matter or none.</summary>
    public static async Task<Notification> AddAsync(DubanFactory app, string unit, string[] roles, string title, string body = "请按期办理。", long? matterId = null)
    {
        await using var scope = app.Scope();
        var row = await scope.ServiceProvider.GetRequiredService<Notifier>()
            .AddAsync(new NotifyRequest(unit, roles, "urge", title, body, matterId), CancellationToken.None);
        await app.Db(scope).SaveChangesAsync();
        return row;
    }
}
