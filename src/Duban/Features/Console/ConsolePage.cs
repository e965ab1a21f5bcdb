using Duban.Common;
using Duban.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;

namespace Duban.Features.StaffConsole;

/// <summary>
/// A console page: signed in (anonymous visitors are sent to the sign-in page by
/// <see cref="ConsoleSignInHandler"/>), with the acting staff member at hand.
/// </summary>
[Authorize(AuthenticationSchemes = ConsoleSignInHandler.SchemeName)]
public abstract class ConsolePage : ComponentBase
{
    [CascadingParameter] protected HttpContext? Http { get; set; }

    protected Actor Actor => (Http is null ? null : WebActor.Of(Http)) ?? throw new InvalidOperationException("a console page without a signed-in actor");

    protected CancellationToken Aborted => Http?.RequestAborted ?? CancellationToken.None;
}
