using Duban.Common;
using Duban.Features.Auth;
using Duban.Features.Sources;
using Duban.Web;

namespace Duban.Features.Agreements;

/// <summary>Agreements over HTTP (v1): /api/v1/agreements (Features/Agreements/README.md). An agreement is recorded through POST /api/v1/sources.</summary>
public static class AgreementsApi
{
    public static RouteGroupBuilder MapAgreementsApiV1(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/agreements").RequireAuthorization().WithTags("Agreements");
        g.MapGet("/{id:long}", async (long id, AgreementQueries queries, HttpContext http, CancellationToken ct) =>
                ApiResults.ToHttp(await queries.GetAsync(id, http.Actor(), ct)))
            .WithSummary("A cooperation agreement: its parties, its commitments (matters), and progress by party and by field")
            .Produces<AgreementView>().ProducesProblem(404);
        return api;
    }
}

public static class AgreementServices
{
    /// <summary>Agreements: their source type (its fields, rows, items and channel), the page's read, the demo's agreements.</summary>
    public static IServiceCollection AddAgreements(this IServiceCollection services)
    {
        services.AddSourceType<AgreementSourceType>(AgreementVocabulary.Type, new("合作协议", "Cooperation agreement"));
        services.AddScoped<AgreementQueries>();
        services.AddSingleton<Demo.IDemoStories, AgreementDemo>();
        return services;
    }
}
