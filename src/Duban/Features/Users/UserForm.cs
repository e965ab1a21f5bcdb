using Duban.Web.Components;

namespace Duban.Features.Users;

/// <summary>The account form's values as typed (a failed post shows them again).</summary>
public sealed record UserForm(string? Username, string? DisplayName, string? Unit, IReadOnlyList<string> Roles)
{
    public static UserForm Of(UserView u)
    {
        ArgumentNullException.ThrowIfNull(u);
        return new(u.Username, u.DisplayName, u.UnitCode, u.Roles);
    }

    public static UserForm Posted(HttpContext? http) => new(Web.Components.Posted.Get(http, "username"), Web.Components.Posted.Get(http, "displayName"),
        Web.Components.Posted.Get(http, "unit"),
        http is not null && http.Request.HasFormContentType ? [.. http.Request.Form["roles"].Where(r => r is not null).Select(r => r!)] : []);

    public string? UnitCode => UnitPicker.Code(Unit);

    /// <summary>Each problem of a refusal next to its field (the English half of a message names the field).</summary>
    public static FieldErrors Errors(Common.Error? error) => FieldErrors.From(error,
        ("username", ["username"]), ("displayName", ["display name"]), ("unit", ["unit"]), ("roles", ["roles"]), ("password", ["password"]));
}
