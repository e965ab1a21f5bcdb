using Duban.Common;
using Duban.Features.Matters;
using Duban.Features.Matters.Actions;
using Duban.Web.Components;

namespace Duban.Features.Dispatching;

/// <summary>The dispatch action's two forms on the matter page: take the suggestion in one click, or choose the unit.</summary>
public static class DispatchForms
{
    public const string AcceptName = "dispatch-accept";

    /// <summary>
    /// Accepting takes the suggestion the user saw, or nothing: a suggestion that changed since the
    /// page was drawn is refused, and the page shows the new one.
    /// </summary>
    public static async ValueTask<Result<object>> ReadAcceptAsync(FormPost p)
    {
        var now = await p.Services.GetRequiredService<DispatchSuggestions>().ForMatterAsync(p.MatterId, p.Actor, p.Aborted);
        var current = now.IsSuccess ? now.Value?.LeadUnit?.Code : null;
        if (current is null || current != p.Text("suggested"))
            return Error.Validation("建议已变化，请核对后再派单。 / The suggestion has changed since this page was shown: check it again.");
        return new DispatchRequest(p.Version, null, null, null, p.Text("note"), Accept: true);
    }

    public static ValueTask<Result<object>> Read(FormPost p) =>
        FormPost.Ok(new DispatchRequest(p.Version, UnitPicker.Code(p.Text("lead")), null, null, p.Text("note")));
}
