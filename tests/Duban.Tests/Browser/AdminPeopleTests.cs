using Duban.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Duban.Tests.Browser;

/// <summary>
/// The administration pages, as an administrator uses them: a new unit, a handler account in it
/// with a password shown once, and that person signing in; the pages are not there for anyone else.
/// </summary>
[Trait("Category", "Browser")]
[Trait("Category", "Database")]
[Collection(BrowserCollection.Name)]
public sealed class AdminPeopleTests(BrowserApp web)
{
    [Fact]
    public async Task Admin_AddsAUnit_AndAHandlerInIt_WhoSignsIn()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var code = "440781-b" + tag;
        var admin = await web.SignedInAsync("admin");

        await admin.GotoAsync("/console/admin/units");
        await Assertions.Expect(admin.GetByTestId("units")).ToContainTextAsync("台山市人力资源和社会保障局");
        await web.ShotAsync(admin, "admin-units");
        await admin.Locator("summary").ClickAsync();
        await admin.GetByLabel("单位代码").FillAsync(code);
        await admin.GetByLabel("单位名称").FillAsync("台山市浏览器测试局");
        await admin.GetByLabel("单位类型").SelectOptionAsync("department");
        await admin.GetByLabel("上级单位").FillAsync("440781");
        // A mistake first: the form keeps what was typed and says what is wrong next to the field.
        await admin.Locator("#add-territory").FillAsync("440799");
        await admin.GetByRole(AriaRole.Button, new() { Name = "保存新单位" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#add-territory-error")).ToContainTextAsync("属地须为有效的行政区划代码");
        await Assertions.Expect(admin.GetByLabel("单位名称")).ToHaveValueAsync("台山市浏览器测试局");
        await admin.Locator("#add-territory").FillAsync("440781");
        await admin.GetByRole(AriaRole.Button, new() { Name = "保存新单位" }).ClickAsync();
        await admin.WaitForURLAsync("**/console/admin/units/" + code + "?done=added");
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("单位已新增");

        await admin.GotoAsync("/console/admin/users/new");
        await admin.GetByLabel("用户名").FillAsync("h-" + tag);
        await admin.GetByLabel("姓名").FillAsync("黄测试");
        await admin.GetByLabel("单位", new() { Exact = true }).FillAsync(code);
        await admin.GetByLabel("承办").CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "保存新账号" }).ClickAsync();
        var password = (await admin.GetByTestId("new-password").InnerTextAsync()).Trim();
        Assert.True(password.Length >= 16);

        await admin.GotoAsync("/console/admin/users?unit=" + code);
        await Assertions.Expect(admin.GetByTestId("users")).ToContainTextAsync("黄测试");
        await admin.GotoAsync("/console/admin/users");
        await web.ShotAsync(admin, "admin-users");

        // The new handler signs in with the password shown, and finds no administration there.
        var handler = await web.NewPageAsync();
        await handler.GotoAsync("/console");
        await handler.GetByLabel("用户名").FillAsync("h-" + tag);
        await handler.GetByLabel("密码").FillAsync(password);
        await handler.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await handler.WaitForURLAsync("**/console");
        await Assertions.Expect(handler.Locator(".who")).ToHaveTextAsync("黄测试");
        var refused = await handler.GotoAsync("/console/admin/users");
        Assert.Equal(404, refused!.Status);
    }
}
