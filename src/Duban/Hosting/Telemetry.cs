using System.Diagnostics.Metrics;
using Duban.Data;
using Duban.Features.Matters;
using Duban.Features.Tally;
using Microsoft.EntityFrameworkCore;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Status = Duban.Features.Matters.Status;

namespace Duban.Hosting;

/// <summary>
/// Telemetry (issue 17). The app's own meter, <c>Duban</c>, is always there (any listener can read it: dotnet-counters,
/// a MeterListener); OpenTelemetry's SDK is added only when <c>Duban:Telemetry:OtlpEndpoint</c> names a collector, and
/// then exports by OTLP the traces (ASP.NET Core, Npgsql) and the metrics (ASP.NET Core, Kestrel, EF Core, Npgsql and
/// Duban's). <c>Duban:Logging:Json</c> writes the console log as one JSON object a line.
/// </summary>
public static class Telemetry
{
    public const string MeterName = "Duban";

    public static void AddDubanTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (configuration.GetValue<bool>("Duban:Logging:Json"))
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
        if (configuration["Duban:Telemetry:OtlpEndpoint"] is not { Length: > 0 } endpoint) return;
        var http = string.Equals(configuration["Duban:Telemetry:OtlpProtocol"], "http", StringComparison.OrdinalIgnoreCase);
        void Exporter(OtlpExporterOptions o, string signal)
        {
            // gRPC (the default, port 4317) takes the collector's address; OTLP over HTTP (4318) a path per signal.
            o.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            o.Endpoint = new Uri(http ? endpoint.TrimEnd('/') + "/v1/" + signal : endpoint);
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["Duban:Telemetry:ServiceName"] ?? "duban", serviceInstanceId: Environment.MachineName))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = h => !h.Request.Path.StartsWithSegments("/healthz"))
                .AddSource("Npgsql")
                .AddOtlpExporter(o => Exporter(o, "traces")))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddMeter(MeterName, "Npgsql", "Microsoft.EntityFrameworkCore")
                .AddOtlpExporter(o => Exporter(o, "metrics")));
    }
}

/// <summary>
/// The meter <c>Duban</c>: what an operator watches of the work itself, read from the database when a listener
/// collects (every export interval; nothing is read when no one listens), at most once per <see cref="Fresh"/>:
/// <list type="bullet">
/// <item><c>duban.matters.registered</c> (counter): the highest matter id, the deployment's registrations so far; its rate is the intake rate (the same on every node: take one node's, or the max);</item>
/// <item><c>duban.queue.depth</c> (gauge, <c>queue</c> = <c>dispatch</c> or <c>review</c>): matters waiting for a dispatcher (received, returned) or for review;</item>
/// <item><c>duban.matters.overdue</c> (gauge): matters past their deadline, by the lights' rule (<see cref="MatterClock.Overdue"/>);</item>
/// <item><c>duban.job.lag</c> (gauge, seconds, <c>job</c> = <c>tally</c>): how old the dashboard's counters are.</item>
/// </list>
/// </summary>
public sealed class DubanMeters
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(15);
    private readonly IServiceScopeFactory scopes;
    private readonly TimeProvider time;
    private readonly ILogger<DubanMeters> log;
    private readonly Lock gate = new();
    private Sample? last;

    private sealed record Sample(DateTimeOffset At, long Registered, long Dispatch, long Review, long Overdue, double? TallyLag);

    public DubanMeters(IMeterFactory meters, IServiceScopeFactory scopes, TimeProvider time, ILogger<DubanMeters> log)
    {
        (this.scopes, this.time, this.log) = (scopes, time, log);
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("duban.matters.registered", () => Read() is { } s ? [new Measurement<long>(s.Registered)] : Array.Empty<Measurement<long>>(),
            unit: "{matter}", description: "Matters registered so far (the highest matter id); its rate is the intake rate");
        meter.CreateObservableGauge("duban.queue.depth", () => Read() is { } s
                ? [new Measurement<long>(s.Dispatch, new KeyValuePair<string, object?>("queue", "dispatch")), new Measurement<long>(s.Review, new KeyValuePair<string, object?>("queue", "review"))]
                : Array.Empty<Measurement<long>>(),
            unit: "{matter}", description: "Matters waiting for a dispatcher (dispatch) or for review (review)");
        meter.CreateObservableGauge("duban.matters.overdue", () => Read() is { } s ? [new Measurement<long>(s.Overdue)] : Array.Empty<Measurement<long>>(),
            unit: "{matter}", description: "Matters past their deadline");
        meter.CreateObservableGauge("duban.job.lag", () => Read() is { TallyLag: { } lag } ? [new Measurement<double>(lag, new KeyValuePair<string, object?>("job", "tally"))] : Array.Empty<Measurement<double>>(),
            unit: "s", description: "Age of the dashboard's counters (the tally job's lag)");
    }

    public const string MeterName = Telemetry.MeterName;

    /// <summary>The last sample if fresh, else a new one; null when the database does not answer (nothing is reported then).</summary>
    private Sample? Read()
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (last is { } fresh && now - fresh.At < Fresh && now >= fresh.At) return fresh;
            try
            {
                using var scope = scopes.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<DubanDb>();
                var matters = db.Matters.AsNoTracking();
                var registered = matters.Max(m => (long?)m.Id) ?? 0;
                var waiting = matters.Where(m => m.Status == Status.Received || m.Status == Status.Returned || m.Status == Status.PendingReview)
                    .GroupBy(m => m.Status).Select(g => new { Status = g.Key, Count = g.LongCount() }).ToList();
                var overdue = matters.Where(MatterClock.Overdue(now)).LongCount();
                var counted = db.Set<TallyState>().AsNoTracking().Select(t => (DateTimeOffset?)t.CountedAt).FirstOrDefault();
                last = new Sample(now, registered,
                    waiting.Where(w => w.Status != Status.PendingReview).Sum(w => w.Count),
                    waiting.Where(w => w.Status == Status.PendingReview).Sum(w => w.Count),
                    overdue,
                    counted is { } at ? Math.Max(0, (now - at).TotalSeconds) : null);
                return last;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or ObjectDisposedException)
            {
                log.LogWarning(e, "Duban's meters could not read the database");
                return null;
            }
        }
    }
}
