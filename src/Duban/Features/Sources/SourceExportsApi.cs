using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Figures;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Duban.Features.Sources;

/// <summary>The sources' ledger (台账, XLSX) and a source's assignment slip (交办单, PDF) over HTTP (v1).</summary>
public static class SourceExportsApi
{
    /// <summary>The slip's PDFs, in the figures module's font (PdfFonts: tried here too, since this is registered before the figures).</summary>
    public static IServiceCollection AddSourceExports(this IServiceCollection services)
    {
        services.TryAddSingleton<PdfFonts>();
        services.AddScoped<SourcePdfs>();
        return services;
    }

    public static RouteGroupBuilder MapSourceExportsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/sources").RequireAuthorization().WithTags("Sources");
        // A literal segment: it never reads as /sources/{id:long}, whose id must be a number.
        g.MapGet("/ledger.xlsx", async (string? type, string? status, string? light, SourceQueries queries, HttpContext http, CancellationToken ct) =>
            {
                var r = await queries.LedgerAsync(type, status, light, http.Actor(), ct);
                return r.IsSuccess
                    ? Results.File(SourceLedger.Xlsx(r.Value!, type, status, light), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        SourceLedger.FileName(type))
                    : ApiResults.Problem(r.Error!);
            })
            .WithSummary($"The ledger (台账) as XLSX: one row per item of every source the caller sees (at most {SourceQueries.MaxLedgerSources}, newest first), " +
                "filtered by type, status and light as the list; the campaigns' measures summed on a second sheet")
            .Produces(200, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").ProducesProblem(400);
        g.MapGet("/{id:long}/slip.pdf", async (long id, SourcePdfs pdfs, HttpContext http, CancellationToken ct) =>
                await pdfs.SlipAsync(id, http.Actor(), ct) is var r && r.IsSuccess
                    ? Results.File(r.Value!, "application/pdf", $"source-slip-{id}.pdf") : ApiResults.Problem(r.Error!))
            .WithSummary("The source's assignment slip (交办单) as PDF: the source and the items the caller sees")
            .Produces(200, contentType: "application/pdf").ProducesProblem(404).ProducesProblem(503);
        return api;
    }
}
