using System.Globalization;
using Duban.Common;
using Duban.Features.Attachments;
using Duban.Features.Auth;
using Duban.Features.Matters;
using Duban.Web;
using Microsoft.Extensions.Options;

namespace Duban.Features.Letters;

/// <summary>
/// Letters and visits (信访) at the desk: <c>POST /api/v1/letters</c>, a multipart form (the fields of
/// <see cref="LetterRequest"/>, the scanned pages in the part <c>pages</c>) or JSON without pages; the console's form
/// (<c>/console/letters/new</c>) posts the same fields. Features/Letters/README.md has the rules.
/// </summary>
public static class LettersApi
{
    public static IServiceCollection AddDubanLetters(this IServiceCollection services)
    {
        services.AddScoped<RegisterLetter>();
        services.AddMatterFacet<LetterFacet>();
        services.AddConsoleNav(new ConsoleNavEntry("/console/letters/new", new("来信来访登记", "Letters and visits"),
            a => a.HasAny(Roles.Dispatcher, Roles.Supervisor, Roles.Leader)));
        return services;
    }

    public static RouteGroupBuilder MapLettersApiV1(this RouteGroupBuilder api)
    {
        api.MapPost("/letters", async (HttpContext http, RegisterLetter register, IOptions<AttachmentOptions> options, CancellationToken ct) =>
            {
                LetterRequest? request;
                if (http.Request.HasFormContentType)
                {
                    var read = await FromFormAsync(await http.Request.ReadFormAsync(ct), options.Value.MaxStaffFileBytes, ct);
                    if (!read.IsSuccess) return ApiResults.Problem(read.Error!);
                    request = read.Value;
                }
                else if (http.Request.HasJsonContentType())
                {
                    try
                    {
                        request = await http.Request.ReadFromJsonAsync<LetterRequest>(ct);
                    }
                    catch (System.Text.Json.JsonException ex)
                    {
                        var member = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "the body" : ex.Path.TrimStart('$', '.');
                        return ApiResults.Problem(Error.Validation($"{member} is not valid / 请求内容格式不正确"));
                    }
                }
                else return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
                if (request is null) return ApiResults.Problem(Error.Validation("the body is required / 请求内容不能为空"));
                if (Text.HasControlCharactersIn(request with { Pages = null }))
                    return ApiResults.Problem(Error.Validation("text may not contain control characters / 文本含有非法控制字符"));
                var result = await register.ExecuteAsync(request, http.Actor(), MattersApi.IdempotencyKey(http), ct);
                return result.IsSuccess ? Results.Created($"/api/v1/matters/{result.Value!.Id}", result.Value) : ApiResults.Problem(result.Error!);
            })
            .RequireAuthorization().WithTags("Letters")
            .Accepts<LetterRequest>("multipart/form-data", "application/json")
            .WithName("letters-register")
            .WithSummary("Register a letter (channel letter, 来信) or a visit (visit, 来访) at the desk: receivedOn, visitors (a visit), the raiser, what, where, kind; the scanned pages (PDF or images) in the multipart part pages. Same routing, clock and audit as the portal")
            .Produces<LetterRegistered>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);
        return api;
    }

    /// <summary>The request from a posted form (the API's multipart, the console's page): 400 naming a field that does not read.</summary>
    public static async Task<Result<LetterRequest>> FromFormAsync(IFormCollection form, int maxBytes, CancellationToken ct)
    {
        string? Value(string name) => form.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;
        bool? Flag(string name) => Value(name) is { } v ? v is "true" or "on" or "1" : null;
        int? visitors = null;
        if (Value("visitors") is { } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                return Error.Validation("visitors must be a whole number / 来访人数须为整数");
            visitors = n;
        }
        return new LetterRequest(Value("channel"), Value("receivedOn"), visitors, Value("kind"), Value("title"), Value("content"), Value("location"),
            Flag("anonymous"), Value("raiserName"), Value("raiserPhone"), Flag("confidential"), Value("urgency"))
        {
            Pages = await StaffFiles.FromFormAsync(form, maxBytes, ct, RegisterLetter.PagesField),
        };
    }
}
