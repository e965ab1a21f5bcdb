using System.Text.Json;
using Duban.Features.Attachments;
using Duban.Tests.Features.Attachments;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class PhotoTests(BrowserApp web)
{
    /// <summary>
    /// A citizen on a 360 px phone attaches photos: a file that is no photo is refused beside the
    /// field (what was typed stays; the files must be chosen again, and the page says so); then three
    /// photos of the largest size allowed (5 MB each, through Kestrel's and the form's own limits) are
    /// filed. The dispatcher, signed in on the console, gets them through the API with the console's
    /// cookie, stripped of their metadata, and Chromium decodes them.
    /// </summary>
    [Fact]
    public async Task Citizen_FilesAReportWithPhotos_DispatcherSeesThemWithoutTheirMetadata()
    {
        var citizen = await web.NewPageAsync(phone: true);
        await citizen.GotoAsync("/");
        var title = "略尾村渡口护栏断裂 " + Guid.NewGuid().ToString("N")[..6];
        await citizen.GetByLabel("标题").FillAsync(title);
        await citizen.GetByLabel("内容").FillAsync("渡口护栏断了一截，小孩在旁边玩很危险，附现场照片。");
        await citizen.GetByLabel("匿名反映").CheckAsync();
        var photos = citizen.GetByLabel("照片（可选）");
        await photos.SetInputFilesAsync(new FilePayload { Name = "现场.jpg", MimeType = "image/jpeg", Buffer = "GIF89a\x01\0\x01\0;"u8.ToArray() });
        await citizen.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();

        await Assertions.Expect(citizen.Locator("#photos-error")).ToContainTextAsync("不是 JPEG、PNG 或 WebP 图片");
        await Assertions.Expect(citizen.Locator("#photos-error")).ToContainTextAsync("请重新选择");
        Assert.Equal("true", await photos.GetAttributeAsync("aria-invalid"));
        Assert.Equal(title, await citizen.GetByLabel("标题").InputValueAsync());

        // Three phone photos at the limit: GPS and device in EXIF, and a motion photo's trailer making up the size.
        var phone = TestImages.PhoneJpeg(trailerBytes: 5 * 1024 * 1024 - TestImages.PhoneJpeg(0).Length);
        Assert.Equal(5 * 1024 * 1024, phone.Length);
        // 15 MB cross to the browser base64-encoded: on a loaded machine (a CI run beside builds) that alone took 30 s.
        await photos.SetInputFilesAsync(Enumerable.Range(1, 3).Select(i => new FilePayload { Name = $"IMG_000{i}.jpg", MimeType = "image/jpeg", Buffer = phone }),
            new() { Timeout = 120_000 });
        await web.ShotAsync(citizen, "portal-report-photos-360");
        await citizen.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        var receipt = (await citizen.GetByTestId("receipt").InnerTextAsync()).Trim();

        var dispatcher = await web.SignedInAsync("dispatcher");
        var api = dispatcher.APIRequest; // the console's cookie
        var found = await Json(await api.GetAsync($"/api/v1/matters?q={receipt}"));
        var id = found.GetProperty("items")[0].GetProperty("id").GetInt64();
        var list = await Json(await api.GetAsync($"/api/v1/matters/{id}/attachments"));
        Assert.Equal(["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"], list.EnumerateArray().Select(a => a.GetProperty("fileName").GetString()));
        var url = list[0].GetProperty("url").GetString()!;
        var stored = await (await api.GetAsync(url)).BodyAsync();
        Assert.Equal(TestImages.CleanJpeg, stored);

        // The stored photo is still an image: Chromium decodes it on the console's page.
        var size = await dispatcher.EvaluateAsync<int[]>(
            "async url => { const img = new Image(); img.src = url; await img.decode(); return [img.naturalWidth, img.naturalHeight]; }", url);
        Assert.Equal([8, 8], size);

        // The matter page shows them as thumbnails, each one decoded by the browser.
        await dispatcher.GotoAsync($"/console/matters/{id}");
        var thumbs = dispatcher.GetByTestId("photos").Locator("img");
        await Assertions.Expect(thumbs).ToHaveCountAsync(3);
        await thumbs.First.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(thumbs.First).ToHaveJSPropertyAsync("naturalWidth", 8);
        await web.ShotAsync(dispatcher, "console-matter-photos");
    }

    /// <summary>
    /// A citizen files a photo taken with the phone held upright: its pixels lie on their side
    /// (16×8) and its EXIF says to turn them (Orientation 6), beside the GPS position and the device.
    /// Stored without its EXIF but for the orientation, it still shows upright (8×16) in the
    /// dispatcher's Chromium, on the console's matter page too; without the orientation it would
    /// show sideways.
    /// </summary>
    [Fact]
    public async Task Citizen_FilesAPhotoTakenUpright_DispatcherSeesItUpright()
    {
        var citizen = await web.NewPageAsync(phone: true);
        await citizen.GotoAsync("/");
        var title = "川岛镇路灯杆倾斜 " + Guid.NewGuid().ToString("N")[..6];
        await citizen.GetByLabel("标题").FillAsync(title);
        await citizen.GetByLabel("内容").FillAsync("路灯杆歪了，竖着拍的照片。");
        await citizen.GetByLabel("匿名反映").CheckAsync();
        await citizen.GetByLabel("照片（可选）").SetInputFilesAsync(new FilePayload { Name = "IMG_0815.jpg", MimeType = "image/jpeg", Buffer = TestImages.UprightPhoneJpeg });
        await citizen.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        var receipt = (await citizen.GetByTestId("receipt").InnerTextAsync()).Trim();

        var dispatcher = await web.SignedInAsync("dispatcher");
        var api = dispatcher.APIRequest;
        var found = await Json(await api.GetAsync($"/api/v1/matters?q={receipt}"));
        var id = found.GetProperty("items")[0].GetProperty("id").GetInt64();
        var url = (await Json(await api.GetAsync($"/api/v1/matters/{id}/attachments")))[0].GetProperty("url").GetString()!;
        // Upright (without the orientation kept, Chromium shows it 16×8, on its side).
        var size = await dispatcher.EvaluateAsync<int[]>(
            "async url => { const img = new Image(); img.src = url; await img.decode(); return [img.naturalWidth, img.naturalHeight]; }", url);
        Assert.Equal([8, 16], size);
        var stored = await (await api.GetAsync(url)).BodyAsync();
        Assert.Equal(TestImages.Jpeg([TestImages.App0Jfif, PhotoBytes.OrientationSegment(6)], scan: TestImages.WideScan, frame: TestImages.WideFrame), stored);
        foreach (var secret in new[] { TestImages.Gps, TestImages.Device, "HUAWEI" })
            Assert.False(TestImages.Contains(stored, secret), secret);
        await dispatcher.GotoAsync($"/console/matters/{id}");
        var thumb = dispatcher.GetByTestId("photos").Locator("img");
        await thumb.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(thumb).ToHaveJSPropertyAsync("naturalHeight", 16);
        await Assertions.Expect(thumb).ToHaveJSPropertyAsync("naturalWidth", 8);
    }

    private static async Task<JsonElement> Json(IAPIResponse response)
    {
        Assert.True(response.Ok, $"{response.Status} {await response.TextAsync()}");
        return JsonDocument.Parse(await response.TextAsync()).RootElement.Clone();
    }
}
