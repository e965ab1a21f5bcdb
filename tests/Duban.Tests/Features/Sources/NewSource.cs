using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Sources;

/// <summary>The sources tests' requests: a day on the deployment's clock, items, an instruction, and the POST that records one.</summary>
internal static class NewSource
{
    /// <summary>The China date <paramref name="days"/> from the deployment's today, as the API takes it.</summary>
    public static string Day(DubanFactory app, int days) =>
        Clock.ChinaDate(app.Clock.GetUtcNow()).AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Unique(string title) => title + " " + Guid.NewGuid().ToString("N")[..6];

    public static object Item(string title, string lead, string due, params string[] co) =>
        new { title, content = title + "，按要求办理并报送办理情况。", leadUnitCode = lead, coUnitCodes = co, dueDate = due };

    /// <summary>A city leader's instruction owned by the supervision office (市委市政府督查室).</summary>
    public static object Instruction(DubanFactory app, string title, params object[] items) => new
    {
        type = "instruction",
        title,
        date = Day(app, 0),
        ownerUnitCode = "4407-dcs",
        leader = "市政府主要领导",
        leaderLevel = "city",
        text = "请相关单位抓好落实，办理情况报市委市政府督查室。",
        items,
    };

    /// <summary>Records the source, expecting 201.</summary>
    public static async Task<JsonNode> Create(HttpClient client, object body) =>
        await (await client.PostAsJsonAsync("/api/v1/sources", body)).Json(HttpStatusCode.Created);
}
