using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Matters;

namespace Duban.Features.Figures;

/// <summary>The figures per unit, their exports, and the printed slip and notice over HTTP (v1).</summary>
public static class FiguresApi
{
    public static IServiceCollection AddDubanFigures(this IServiceCollection services)
    {
        services.AddOptions<FiguresOptions>().BindConfiguration(FiguresOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<UnitFigures>();
        services.AddSingleton<PdfFonts>();
        services.AddScoped<MatterPdfs>();
        return services;
    }

    public static RouteGroupBuilder MapFiguresApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/figures").RequireAuthorization().WithTags("Figures");
        g.MapGet("", ListAsync)
            .WithSummary("Figures per unit for a period (2026-11, 2026-Q4, 2026), ranked among counties, towns or departments, of the matters of a kind or channel if given; format=csv|xlsx downloads them")
            .Produces<FiguresView>().ProducesProblem(400).ProducesProblem(403);
        g.MapGet("/units/{code}", async (string code, string? period, string? kind, string? channel, UnitFigures figures, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await figures.UnitAsync(code, period, kind, channel, http.Actor(), ct)))
            .WithSummary("One unit's figures for a period, of the matters of a kind or channel if given").Produces<FiguresView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);

        api.MapGet("/matters/{id:long}/slip.pdf", async (long id, MatterPdfs pdfs, HttpContext http, CancellationToken ct) =>
                Pdf(await pdfs.SlipAsync(id, http.Actor(), ct), $"slip-{id}.pdf"))
            .RequireAuthorization().WithTags("Matters").WithSummary("The assignment slip (交办单) as PDF")
            .Produces(200, contentType: "application/pdf").ProducesProblem(404).ProducesProblem(409).ProducesProblem(503);
        api.MapGet("/matters/{id:long}/notice.pdf", async (long id, MatterPdfs pdfs, HttpContext http, CancellationToken ct) =>
                Pdf(await pdfs.NoticeAsync(id, http.Actor(), ct), $"notice-{id}.pdf"))
            .RequireAuthorization().WithTags("Matters").WithSummary("A supervision notice (督办通知) to the lead unit as PDF")
            .Produces(200, contentType: "application/pdf").ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(503);
        return api;
    }

    private static async Task<IResult> ListAsync(string? period, string? rank, string? kind, string? channel, string? format, UnitFigures figures,
        MatterKinds kinds, MatterChannels channels, HttpContext http, CancellationToken ct)
    {
        var output = string.IsNullOrWhiteSpace(format) ? "json" : format.Trim().ToLowerInvariant();
        if (output is not ("json" or "csv" or "xlsx")) return ApiResults.Problem(Error.Validation("format is json, csv or xlsx / 格式应为 json、csv 或 xlsx"));
        var result = await figures.RankAsync(period, rank, kind, channel, http.Actor(), ct);
        if (!result.IsSuccess || output == "json") return ApiResults.ToHttp(result);
        var view = result.Value!;
        return output == "csv"
            ? Results.File(FiguresExport.Csv(view), "text/csv; charset=utf-8", FiguresExport.FileName(view, "csv"))
            : Results.File(FiguresExport.Xlsx(view, kinds, channels), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                FiguresExport.FileName(view, "xlsx"));
    }

    private static IResult Pdf(Result<byte[]> result, string name) =>
        result.IsSuccess ? Results.File(result.Value!, "application/pdf", name) : ApiResults.Problem(result.Error!);
}
