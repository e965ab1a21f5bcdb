using Duban.Web.Components;

namespace Duban.Features.Units;

/// <summary>The unit form's values as typed (a failed post shows them again), from a unit or from the post.</summary>
public sealed record UnitForm(string? Code, string? Name, string? ShortName, string? Kind, string? Parent, string? Territory, string? Phone, string? Email, string? Sms = null)
{
    public static UnitForm Of(UnitView u)
    {
        ArgumentNullException.ThrowIfNull(u);
        return new(u.Code, u.Name, u.ShortName, u.Kind, u.ParentCode, u.TerritoryCode, u.Phone, u.Email, u.Sms);
    }

    public static UnitForm Posted(HttpContext? http) => new(Web.Components.Posted.Get(http, "code"), Web.Components.Posted.Get(http, "name"),
        Web.Components.Posted.Get(http, "shortName"), Web.Components.Posted.Get(http, "kind"), Web.Components.Posted.Get(http, "parent"),
        Web.Components.Posted.Get(http, "territory"), Web.Components.Posted.Get(http, "phone"), Web.Components.Posted.Get(http, "email"),
        Web.Components.Posted.Get(http, "sms"));

    public UnitRequest Request(string? version = null) =>
        new(Code, Name, ShortName, Kind, UnitPicker.Code(Parent), Territory, Phone, Email, version, Sms);

    /// <summary>Each problem of a refusal next to its field (the English half of a message names the field).</summary>
    public static FieldErrors Errors(Common.Error? error) => FieldErrors.From(error,
        ("code", ["code"]), ("shortName", ["short name"]), ("name", ["name"]), ("kind", ["kind"]), ("parent", ["parent"]),
        ("territory", ["territory"]), ("phone", ["phone"]), ("email", ["e-mail"]), ("sms", ["sms"]));
}
