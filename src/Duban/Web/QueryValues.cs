using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Endpoints;

namespace Duban.Web;

/// <summary>
/// The pages' query values checked before a page is built, for every page at once: a value that does not
/// parse as the type of the page's <see cref="SupplyParameterFromQueryAttribute"/> property (<c>?page=zzz</c>,
/// <c>?overdue=maybe</c>) answers 400 naming the parameter. Without it Blazor throws while binding the
/// parameters and the page answered 500 (issue 17). The parse rules are Blazor's own (invariant culture);
/// an empty value is no value, as Blazor takes it.
/// </summary>
public static class QueryValues
{
    /// <param name="EmptyIsNull">an empty value binds as null (a nullable or reference type); a plain bool or int cannot take it.</param>
    private sealed record Parameter(string Name, Func<string, bool> Parses, bool EmptyIsNull);

    private static readonly ConcurrentDictionary<Type, Parameter[]> Parameters = new();

    public static WebApplication UseQueryValueCheck(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is { } page && http.Request.QueryString.HasValue
                && FirstUnparseable(page.Type, http.Request.Query) is { } name)
            {
                await WriteAsync(http, name);
                return;
            }
            await next(http);
        });
        return app;
    }

    /// <summary>The name of the first query parameter of <paramref name="page"/> whose value does not parse, else null.</summary>
    public static string? FirstUnparseable(Type page, IQueryCollection query)
    {
        foreach (var parameter in Parameters.GetOrAdd(page, Find))
        {
            if (!query.TryGetValue(parameter.Name, out var values)) continue;
            foreach (var value in values)
            {
                if (string.IsNullOrEmpty(value) ? !parameter.EmptyIsNull : !parameter.Parses(value)) return parameter.Name;
            }
        }
        return null;
    }

    private static Parameter[] Find(Type page)
    {
        var found = new List<Parameter>();
        for (var type = page; type is not null && type != typeof(ComponentBase); type = type.BaseType)
        {
            foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (property.GetCustomAttribute<SupplyParameterFromQueryAttribute>() is not { } query) continue;
                var valueType = property.PropertyType.IsArray ? property.PropertyType.GetElementType()! : property.PropertyType;
                var emptyIsNull = !valueType.IsValueType || Nullable.GetUnderlyingType(valueType) is not null;
                valueType = Nullable.GetUnderlyingType(valueType) ?? valueType;
                found.Add(new Parameter(query.Name ?? property.Name, Parser(valueType), emptyIsNull));
            }
        }
        return [.. found];
    }

    private static Func<string, bool> Parser(Type type)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (type == typeof(string)) return _ => true;
        if (type == typeof(bool)) return v => bool.TryParse(v, out _);
        if (type == typeof(int)) return v => int.TryParse(v, NumberStyles.Integer, invariant, out _);
        if (type == typeof(long)) return v => long.TryParse(v, NumberStyles.Integer, invariant, out _);
        if (type == typeof(decimal)) return v => decimal.TryParse(v, NumberStyles.Number, invariant, out _);
        if (type == typeof(double)) return v => double.TryParse(v, NumberStyles.Number, invariant, out _);
        if (type == typeof(float)) return v => float.TryParse(v, NumberStyles.Number, invariant, out _);
        if (type == typeof(Guid)) return v => Guid.TryParse(v, out _);
        if (type == typeof(DateTime)) return v => DateTime.TryParse(v, invariant, DateTimeStyles.None, out _);
        if (type == typeof(DateOnly)) return v => DateOnly.TryParse(v, invariant, DateTimeStyles.None, out _);
        if (type == typeof(TimeOnly)) return v => TimeOnly.TryParse(v, invariant, DateTimeStyles.None, out _);
        // A type Blazor does not bind from the query fails when the page is built, in development: not a visitor's input.
        return _ => true;
    }

    private static async Task WriteAsync(HttpContext http, string name)
    {
        var localizer = http.RequestServices.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<UiText>>();
        var html = http.RequestServices.GetRequiredService<HtmlEncoder>();
        var text = html.Encode(localizer["BadQueryText"]).Replace("{0}", $"<code>{html.Encode(name)}</code>", StringComparison.Ordinal);
        await ErrorPage.WriteAsync(http, StatusCodes.Status400BadRequest, "BadQueryTitle", text, textIsHtml: true);
    }
}
