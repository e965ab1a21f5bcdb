using Duban.Tests.Features.Attachments;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class LetterDeskTests(BrowserApp web)
{
    /// <summary>
    /// The dispatcher registers a visit with the letter the visitors brought, in Chromium: channel, number of visitors,
    /// what and where, the raiser, a scanned page (PDF) and a photo of the second page. The desk shows the number and the
    /// query code once; the matter page shows the visit's card (7 visitors, 2 pages) and both pages, the PDF as a download.
    /// </summary>
    [Fact]
    public async Task Dispatcher_RegistersAVisitWithScannedPages_AndTheMatterPageShowsThem()
    {
        var desk = await web.SignedInAsync("dispatcher");
        await desk.GotoAsync("/console/letters/new");
        var title = "群众来访反映龙溪路夜间施工噪音 " + Guid.NewGuid().ToString("N")[..6];
        await desk.GetByLabel("来访", new() { Exact = true }).CheckAsync();
        await desk.GetByLabel("来访人数").FillAsync("7");
        await desk.GetByLabel("投诉").CheckAsync();
        await desk.GetByLabel("标题").FillAsync(title);
        await desk.GetByLabel("内容").FillAsync("七位居民来访，反映龙溪路工地每晚施工到凌晨，并递交联名信。");
        await desk.GetByLabel("地点").FillAsync("江门市江海区外海街道龙溪路");
        await desk.GetByLabel("姓名", new() { Exact = true }).FillAsync("陈女士");
        await desk.GetByLabel("联系电话").FillAsync("13800138000");
        await desk.GetByTestId("letter-pages-input").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "联名信.pdf", MimeType = "application/pdf", Buffer = StaffAttachmentsTests.Pdf },
            new FilePayload { Name = "联名信第2页.jpg", MimeType = "image/jpeg", Buffer = TestImages.PhoneJpeg() },
        });
        await web.ShotAsync(desk, "console-letter-new");
        await desk.GetByRole(AriaRole.Button, new() { Name = "登记", Exact = true }).ClickAsync();

        await Assertions.Expect(desk.GetByTestId("letter-registered")).ToBeVisibleAsync();
        await Assertions.Expect(desk.GetByTestId("letter-query-code")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"\S+"));
        await desk.GetByTestId("letter-matter").ClickAsync();

        await Assertions.Expect(desk.GetByTestId("letter-visitors")).ToHaveTextAsync("7");
        await Assertions.Expect(desk.GetByTestId("letter-pages")).ToHaveTextAsync("2");
        var files = desk.GetByTestId("attachment");
        await Assertions.Expect(files).ToHaveCountAsync(2);
        await Assertions.Expect(desk.Locator("[data-type='application/pdf'] a[download]").First).ToBeVisibleAsync();
        await web.ShotAsync(desk, "console-matter-letter");
    }
}
