using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Duban.Common;
using Duban.Features.Letters;
using Duban.Tests.Features.Attachments;
using Duban.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Duban.Tests.Features.Letters;

/// <summary>Letters and visits (信访) at the desk (issue 19): registered through the same intake, with their scanned pages and visitors.</summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class LettersTests(DubanFactory factory)
{
    private const string Town = "440704004"; // 外海街道 (江海区)

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private string Day(int daysBack) => Clock.ChinaDate(factory.Clock.GetUtcNow()).AddDays(-daysBack).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static MultipartFormDataContent Form(Dictionary<string, string> fields, params (string Name, byte[] Bytes)[] pages)
    {
        var form = new MultipartFormDataContent();
        foreach (var (k, v) in fields) form.Add(new StringContent(v), k);
        foreach (var (name, bytes) in pages)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "pages", name);
        }
        return form;
    }

    private Dictionary<string, string> Letter(string channel = "letter") => new()
    {
        ["channel"] = channel,
        ["receivedOn"] = Day(2),
        ["kind"] = "complaint",
        ["title"] = "来信反映外海街道龙溪路夜间施工噪音 " + Guid.NewGuid().ToString("N")[..8],
        ["content"] = "龙溪路工地每晚施工到凌晨，附来信原件扫描件。",
        ["location"] = "江门市江海区外海街道龙溪路",
        ["raiserName"] = "陈女士",
        ["raiserPhone"] = "13800138000",
    };

    [Fact]
    public async Task Letter_WithScannedPages_IsRegisteredOnTheLettersChannel_HashesInTheRegisterEvent_AndDispatchedTheUnitSeesThePages()
    {
        var dispatcher = await factory.As("dispatcher");
        using var form = Form(Letter(), ("来信第1页.pdf", StaffAttachmentsTests.Pdf), ("来信第2页.jpg", TestImages.PhoneJpeg()));
        var registered = await (await dispatcher.PostAsync("/api/v1/letters", form)).Json(HttpStatusCode.Created);
        var id = (long)registered["id"]!;
        Assert.Equal(2, (int)registered["pages"]!);
        Assert.NotNull((string?)registered["queryCode"]); // a named writer follows the letter on the portal

        var m = await dispatcher.Get(id);
        Assert.Equal("letter", (string?)m["channel"]);
        // Received two days ago: the clock counts from that day's first moment, not from the registration.
        Assert.Equal(Clock.StartOfChinaDay(DateOnly.Parse(Day(2), CultureInfo.InvariantCulture)), DateTimeOffset.Parse((string)m["receivedAt"]!, CultureInfo.InvariantCulture));
        Assert.StartsWith("440704", (string?)m["territoryCode"], StringComparison.Ordinal); // the place resolved as the portal's

        await using (var scope = factory.Scope())
        {
            var db = factory.Db(scope);
            var register = await db.Events.AsNoTracking().SingleAsync(e => e.MatterId == id && e.Action == "register");
            var recorded = JsonNode.Parse(register.Data)!["attachments"]!.AsArray();
            Assert.Equal([Sha(StaffAttachmentsTests.Pdf), Sha(TestImages.CleanJpeg)], recorded.Select(a => (string)a!["sha256"]!));
            Assert.DoesNotContain("陈女士", register.Data, StringComparison.Ordinal);
            var letter = await db.Set<Letter>().AsNoTracking().SingleAsync(l => l.MatterId == id);
            Assert.Equal(("letter", (int?)null, 2), (letter.Channel, letter.Visitors, letter.Pages));
            Assert.True((await factory.Verify(db)).Intact);
        }

        // Dispatched through the same routing as the portal's (when the router did not already): the town handles it and sees its pages.
        if ((string?)m["status"] == "received") await dispatcher.Do(id, "dispatch", new { leadUnitCode = Town });
        var town = await factory.As("h-" + Town);
        Assert.Equal("dispatched", (string?)(await town.Get(id))["status"]);
        var pages = (await town.GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray();
        Assert.Equal(["来信第1页.pdf", "来信第2页.jpg"], pages.Select(a => (string)a!["fileName"]!));
        Assert.Equal(["register", "register"], pages.Select(a => (string)a!["action"]!));

        // A unit that may not see the matter gets 404 for its pages.
        var other = await factory.As("h-440781-rsj");
        await other.GetAsync($"/api/v1/matters/{id}/attachments").Problem(HttpStatusCode.NotFound, "not_found");
        await other.GetAsync((string)pages[0]!["url"]!).Problem(HttpStatusCode.NotFound, "not_found");

        // The matter page shows the pages and the letter's card to those who see it.
        var page = await (await PageForms.SignedInAsync(factory, "h-" + Town)).GetStringAsync($"/console/matters/{id}");
        Assert.Contains("来信第1页.pdf", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"letter-pages\">2<", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Visit_RecordsItsNumberOfVisitors_AndAVisitWithoutThemOrALetterWithThemIs400NamingVisitors()
    {
        var dispatcher = await factory.As("dispatcher");
        var visit = Letter("visit");
        visit["visitors"] = "7";
        using var form = Form(visit);
        var registered = await (await dispatcher.PostAsync("/api/v1/letters", form)).Json(HttpStatusCode.Created);
        Assert.Equal(7, (int)registered["visitors"]!);
        var id = (long)registered["id"]!;
        Assert.Equal("visit", (string?)(await dispatcher.Get(id))["channel"]);
        await using (var scope = factory.Scope())
        {
            Assert.Equal(7, (await factory.Db(scope).Set<Letter>().AsNoTracking().SingleAsync(l => l.MatterId == id)).Visitors);
        }
        var page = await (await PageForms.SignedInAsync(factory, "dispatcher")).GetStringAsync($"/console/matters/{id}");
        Assert.Contains("data-testid=\"letter-visitors\">7<", page, StringComparison.Ordinal);

        using var none = Form(Letter("visit"));
        Assert.StartsWith("visitors is required", (string?)(await (await dispatcher.PostAsync("/api/v1/letters", none)).Json(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        var letter = Letter();
        letter["visitors"] = "3";
        using var withVisitors = Form(letter);
        Assert.StartsWith("visitors is for a visit only", (string?)(await (await dispatcher.PostAsync("/api/v1/letters", withVisitors)).Json(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
        var notNumber = Letter("visit");
        notNumber["visitors"] = "many";
        using var bad = Form(notNumber);
        Assert.StartsWith("visitors must be a whole number", (string?)(await (await dispatcher.PostAsync("/api/v1/letters", bad)).Json(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Letter_RefusesPagesNotPdfOrImage_AFutureDate_AndANonDeskAccount_RegisteringNothing()
    {
        var dispatcher = await factory.As("dispatcher");
        var fields = Letter();
        using var form = Form(fields, ("扫描.pdf", StaffAttachmentsTests.Pdf), ("page.html", "<html><script>x</script>"u8.ToArray()));
        var refused = await (await dispatcher.PostAsync("/api/v1/letters", form)).Json(HttpStatusCode.BadRequest);
        Assert.Contains("pages: file 2 is not a PDF, JPEG, PNG or WebP", (string?)refused["title"], StringComparison.Ordinal);

        var future = Letter();
        future["receivedOn"] = Day(-1);
        using var later = Form(future);
        Assert.StartsWith("receivedOn must not lie in the future", (string?)(await (await dispatcher.PostAsync("/api/v1/letters", later)).Json(HttpStatusCode.BadRequest))["title"], StringComparison.Ordinal);

        using var byHandler = Form(Letter());
        await (await factory.As("h-" + Town)).PostAsync("/api/v1/letters", byHandler).Problem(HttpStatusCode.Forbidden);

        await using var scope = factory.Scope();
        Assert.Equal(0, await factory.Db(scope).Matters.CountAsync(m => m.Title == fields["title"]));
    }

    [Fact]
    public async Task ConfidentialLetter_ItsSignedPages_AreShownOnlyToThoseWhoMayReadTheRaiser()
    {
        var dispatcher = await factory.As("dispatcher");
        var fields = Letter();
        fields["confidential"] = "true";
        using var form = Form(fields, ("署名来信.pdf", StaffAttachmentsTests.Pdf));
        var id = (long)(await (await dispatcher.PostAsync("/api/v1/letters", form)).Json(HttpStatusCode.Created))["id"]!;
        // The city's dispatcher sees the matter, but not the pages that name its writer (a confidential raiser stays with the discipline bodies).
        Assert.Equal(id, (long)(await dispatcher.Get(id))["id"]!);
        Assert.Empty((await dispatcher.GetAsync($"/api/v1/matters/{id}/attachments").Ok()).AsArray());
        var page = await (await PageForms.SignedInAsync(factory, "dispatcher")).GetStringAsync($"/console/matters/{id}");
        Assert.DoesNotContain("署名来信.pdf", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"attachments-withheld\"", page, StringComparison.Ordinal);
        await using var scope = factory.Scope();
        Assert.True(await factory.Db(scope).Attachments.AnyAsync(a => a.MatterId == id && a.IdentifiesRaiser));
    }

    [Fact]
    public async Task LetterForm_InTheConsole_RegistersALetterWithItsPages_AndShowsTheQueryCodeOnce()
    {
        var client = await PageForms.SignedInAsync(factory, "dispatcher");
        var html = await client.GetStringAsync("/console/letters/new");
        var fields = Letter();
        fields["_handler"] = "letter";
        fields["__RequestVerificationToken"] = PageForms.Token(html);
        using var form = Form(fields, ("信.pdf", StaffAttachmentsTests.Pdf));
        var answer = await (await client.PostAsync("/console/letters/new", form)).Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"letter-registered\"", answer, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"letter-query-code\"", answer, StringComparison.Ordinal);
        await using var scope = factory.Scope();
        var db = factory.Db(scope);
        var matter = await db.Matters.AsNoTracking().SingleAsync(m => m.Title == fields["title"]);
        Assert.Equal("letter", matter.Channel);
        Assert.Equal("信.pdf", (await db.Attachments.AsNoTracking().SingleAsync(a => a.MatterId == matter.Id)).FileName);
    }
}
