using System.Diagnostics.Metrics;
using Duban.Features.Tally;
using Duban.Hosting;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Duban.Tests.Features.Hosting;

/// <summary>
/// Telemetry (issue 17): the meter <c>Duban</c> emits the intake, the queues, the overdue count and the tally's lag to a
/// plain MeterListener, with no exporter configured; the OpenTelemetry SDK exists only when an OTLP endpoint is set;
/// the console log is JSON on request.
/// </summary>
[Trait("Category", "Database")]
public sealed class TelemetryTests
{
    [Fact]
    public async Task DubanMeter_EmitsIntakeQueueOverdueAndJobLag_WithoutAnExporter()
    {
        await using var app = new DubanFactory();
        app.Settings["Duban:Demo:Matters"] = "false";
        await app.InitializeAsync();
        Assert.Null(app.Services.GetService<TracerProvider>());

        var waiting = await app.Desk.Matter(NewMatter.Noise()).ReceivedAsync();
        await app.Desk.Matter(NewMatter.Wages()).Lead("440781-rsj").Due(app.Clock.GetUtcNow().AddDays(2)).InProgressAsync();
        await using (var scope = app.Scope()) await scope.ServiceProvider.GetRequiredService<Tallies>().CatchUpAsync(default);

        var now = Measure(app);
        Assert.True(now["duban.matters.registered"] >= waiting, string.Join(", ", now));
        Assert.Equal(1, now["duban.queue.depth/dispatch"]);
        Assert.Equal(0, now["duban.queue.depth/review"]);
        Assert.Equal(0, now["duban.matters.overdue"]);
        Assert.True(now["duban.job.lag/tally"] < 60, string.Join(", ", now));

        app.Clock.Advance(TimeSpan.FromDays(30));
        var later = Measure(app);
        Assert.Equal(1, later["duban.matters.overdue"]);
        Assert.True(later["duban.job.lag/tally"] >= TimeSpan.FromDays(30).TotalSeconds, string.Join(", ", later));
    }

    /// <summary>What this deployment's meter <c>Duban</c> reports now (not another deployment's in the same test process).</summary>
    private static Dictionary<string, double> Measure(DubanFactory app)
    {
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Telemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, meters)) l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            values[tags.Length > 0 ? $"{instrument.Name}/{tags[0].Value}" : instrument.Name] = value;
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public void OpenTelemetry_OnlyWhenAnOtlpEndpointIsSet()
    {
        using (var plain = Build(new()))
        {
            Assert.Null(plain.Services.GetService<TracerProvider>());
            Assert.Null(plain.Services.GetService<MeterProvider>());
        }
        // A closed port on loopback: nothing is exported in this test, and a flush at the end fails at once.
        using var exported = Build(new() { ["Duban:Telemetry:OtlpEndpoint"] = "http://127.0.0.1:9" });
        Assert.NotNull(exported.Services.GetService<TracerProvider>());
        Assert.NotNull(exported.Services.GetService<MeterProvider>());
    }

    [Theory]
    [InlineData(null, "simple")]
    [InlineData("true", "json")]
    public void ConsoleLog_IsJsonOnRequest(string? json, string formatter)
    {
        using var app = Build(new() { ["Duban:Logging:Json"] = json });
        Assert.Equal(formatter, app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName ?? "simple");
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDubanTelemetry();
        return builder.Build();
    }
}
