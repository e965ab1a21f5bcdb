using System.Text.Json;
using Duban.Data;
using Duban.Features.Audit;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Duban.Hosting;

/// <summary>
/// Health as load balancers and Kubernetes ask for it (issue 17):
/// <list type="bullet">
/// <item><c>/healthz/live</c>: the process answers (no check runs; restart it only if this fails);</item>
/// <item><c>/healthz/ready</c>: 200 only when the database answers, every schema script is applied as it
/// was written, and the node's audit key is the chain's; 503 otherwise (take it out of the pool);</item>
/// <item><c>/healthz</c>: the address deployments already poll, now the same checks as readiness, so it no
/// longer says Healthy with the database gone.</item>
/// </list>
/// </summary>
public static class Health
{
    public const string Ready = "ready";

    /// <summary>A check that has not answered by then counts as failed: a database that hangs is not ready.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static void AddDubanHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            // Microsoft's EF Core check: the database answers a connection.
            .AddDbContextCheck<DubanDb>("database", HealthStatus.Unhealthy, [Ready])
            .AddCheck<SchemaCheck>("schema", HealthStatus.Unhealthy, [Ready])
            .AddCheck<KeyCheck>("keys", HealthStatus.Unhealthy, [Ready]);
        // Every readiness check, the EF Core one too (its registration takes no timeout of its own).
        services.Configure<HealthCheckServiceOptions>(o =>
        {
            foreach (var check in o.Registrations.Where(r => r.Tags.Contains(Ready))) check.Timeout = Timeout;
        });
    }

    public static void MapDubanHealth(this IEndpointRouteBuilder app)
    {
        var ready = new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync };
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/healthz/ready", ready);
        // The old address answers as it did (text/plain "Healthy"), but only when ready.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready) });
    }

    /// <summary>The status and each check's one line; never an exception's text (it can name the server).</summary>
    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = report.Status.ToString(),
            // A check that threw is described by its name alone: an exception's message can name the server or the file.
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Exception is null ? e.Value.Description : "failed",
            }),
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    /// <summary>Every schema script of this build applied, none edited since (<see cref="Schema.ProblemAsync"/>).</summary>
    internal sealed class SchemaCheck(DubanDb db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return await Schema.ProblemAsync(db, cancellationToken) is { } problem
                    ? HealthCheckResult.Unhealthy(problem)
                    : HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("the database does not answer the schema's question");
            }
        }
    }

    /// <summary>
    /// The node's keys are the deployment's: the audit key signs this database's chain, and the seal and auth keys
    /// match their recorded check values (the start-up's own checks, Features/Sealing; read here, never recorded).
    /// </summary>
    internal sealed class KeyCheck(DubanDb db, AuditKey key, Features.Sealing.DeploymentKeys keys) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                if (!await AuditVerifier.KeyMatchesAsync(db, key, record: false, cancellationToken))
                    return HealthCheckResult.Unhealthy("the audit key does not sign this database's event chain");
                return await Features.Sealing.KeyChecks.DifferingAsync(db, keys, cancellationToken) is { } name
                    ? HealthCheckResult.Unhealthy($"the {name} key is not the deployment's")
                    : HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("the database does not answer the key check");
            }
        }
    }
}
