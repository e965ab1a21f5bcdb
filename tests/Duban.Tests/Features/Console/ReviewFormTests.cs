using System.Net;
using System.Text.RegularExpressions;
using Duban.Tests.Infrastructure;

namespace Duban.Tests.Features.Console;

/// <summary>
/// The reviewer's forms on the matter page (issue 18): approving takes a comment as sending back does, kept as the
/// event's reason; each form with a field has a heading of its own.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Database")]
public sealed class ReviewFormTests(DubanFactory factory)
{
    [Fact]
    public async Task Approve_TakesTheReviewersComment_AndTheFormsWithAFieldHaveHeadings()
    {
        var id = await factory.Desk.Matter(NewMatter.Noise("北新区某酒吧夜间噪声扰民", "440781")).Lead("440781-rsj").PendingReviewAsync();
        var supervisor = await PageForms.SignedInAsync(factory, "supervisor");
        var url = $"/console/matters/{id}";
        var html = await supervisor.GetStringAsync(url);
        Assert.Contains("id=\"approve-note\"", html, StringComparison.Ordinal);
        Assert.Matches(new Regex("<h3[^>]*id=\"approve-title\"[^>]*>审核通过</h3>"), html);
        Assert.Matches(new Regex("<h3[^>]*id=\"send-back-title\"[^>]*>退回重办</h3>"), html);

        var version = (int)(await factory.Desk.Dispatcher.Get(id))["version"]!;
        var posted = await PageForms.PostAsync(supervisor, url, "approve",
            [new("version", version.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("note", "整改到位，现场复核无噪声，同意办结")]);
        Assert.True(posted.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect or HttpStatusCode.SeeOther, posted.StatusCode.ToString());

        var matter = await factory.Desk.Dispatcher.Get(id);
        Assert.Equal("closed", (string?)matter["status"]);
        var approved = matter["events"]!.AsArray().Last(e => (string?)e!["action"] == "approve")!;
        Assert.Equal("整改到位，现场复核无噪声，同意办结", (string?)approved["reason"]);
    }
}
