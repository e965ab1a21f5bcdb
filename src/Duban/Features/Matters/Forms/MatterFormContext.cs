using Duban.Web.Components;
using Microsoft.AspNetCore.Components;

namespace Duban.Features.Matters.Forms;

/// <summary>
/// What a form component on the matter page is given: its description, the matter as shown, the
/// context its action's rules read, the page's last failure, and the page's handler to run it.
/// </summary>
public sealed record MatterFormContext(MatterFormInfo Info, MatterDetail Matter, ActionContext Action, HttpContext? Http,
    string? FailedForm, string? Failure, EventCallback<string> Run)
{
    public string Name => Info.Name;

    public string Label => Info.Label.Current;

    /// <summary>The failure of this form's last post, shown next to it.</summary>
    public string? Error => ErrorOf(Info.Name);

    public string? ErrorOf(string form) => FailedForm == form ? Failure : null;

    /// <summary>What was typed in a field of this form when it was the one posted (a failed form keeps its input).</summary>
    public string? Posted(string field) => PostedFor(Info.Name, field);

    public string? PostedFor(string form, string field) => Web.Components.Posted.Is(Http, form) ? Web.Components.Posted.Get(Http, field) : null;
}

/// <summary>A form component of the matter page (<see cref="MatterFormInfo.Component"/>).</summary>
public abstract class MatterFormBase : ComponentBase
{
    [Parameter, EditorRequired] public MatterFormContext Form { get; set; } = null!;
}

/// <summary>Which forms the matter page draws: those of the actions the reader may take now, each when its own condition holds.</summary>
public static class MatterForms
{
    public static IEnumerable<MatterFormInfo> Shown(MatterActions registry, MatterDetail detail, ActionContext context) =>
        detail.AvailableActions.SelectMany(name => registry.Find(name)!.Info.Forms).Where(f => f.Shown?.Invoke(context) != false);
}
