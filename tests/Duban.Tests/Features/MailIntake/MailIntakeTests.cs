using System.Globalization;
using Duban.Data;
using Duban.Features.MailIntake;
using Duban.Features.Matters;
using Duban.Tests.Features.Attachments;
using Duban.Tests.Infrastructure;
using MailKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;

namespace Duban.Tests.Features.MailIntake;

/// <summary>
/// A deployment reading two mailboxes on a real dovecot started for the run: 市委第一巡察组's report mailbox over
/// implicit TLS, and 台山市人社局's over STARTTLS. Its own job is not run: the tests drive the reader.
/// </summary>
public sealed class MailIntakeDeployment : IAsyncLifetime
{
    public const string GroupUser = "jmswxcz001";
    public const string GroupUnit = "4407-xcz1";
    public const string UnitUser = "tsrsj";
    public const string Unit = "440781-rsj";

    public DovecotServer Imap { get; private set; } = null!;
    public DubanFactory App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Imap = await DovecotServer.StartAsync(GroupUser, UnitUser);
        App = Configure(new DubanFactory());
        await App.InitializeAsync();
    }

    /// <summary>The mailboxes' settings on a node (the first, or another over the same database).</summary>
    public DubanFactory Configure(DubanFactory app)
    {
        app.Settings["Duban:Demo:Matters"] = "false";
        Mailbox(app, 0, "xcz1-reports", GroupUser, GroupUnit, Imap.ImapsPort, "SslOnConnect");
        Mailbox(app, 1, "taishan-rsj", UnitUser, Unit, Imap.ImapPort, "StartTls");
        app.Settings["Duban:MailIntake:Mailboxes:1:MoveTo"] = "Processed";
        app.WithoutHostedServices.Add(typeof(MailIntakeJob));
        return app;
    }

    private void Mailbox(DubanFactory app, int i, string name, string user, string unit, int port, string security)
    {
        var p = $"Duban:MailIntake:Mailboxes:{i}:";
        app.Settings[p + "Name"] = name;
        app.Settings[p + "Host"] = "127.0.0.1";
        app.Settings[p + "Port"] = port.ToString(CultureInfo.InvariantCulture);
        app.Settings[p + "Security"] = security;
        app.Settings[p + "CertificateThumbprint"] = Imap.Thumbprint;
        app.Settings[p + "UserName"] = user;
        app.Settings[p + "Password"] = DovecotServer.Password;
        app.Settings[p + "UnitCode"] = unit;
    }

    public static MailboxOptions Box(DubanFactory app, string name) =>
        app.Services.GetRequiredService<IOptions<MailIntakeOptions>>().Value.Mailboxes.Single(b => b.Name == name);

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Imap.DisposeAsync();
    }
}

[Trait("Category", "Database")]
public sealed class MailIntakeTests(MailIntakeDeployment mail) : IClassFixture<MailIntakeDeployment>
{
    private DubanFactory App => mail.App;

    private static MimeMessage Letter(string from, string subject, string text, params MimePart[] attachments)
    {
        var message = new MimeMessage { Subject = subject, MessageId = MimeUtils.GenerateMessageId("example.cn"), Date = DateTimeOffset.UtcNow.AddMinutes(-3) };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("jmswxcz001@jiangmen.gov.cn"));
        var body = new BodyBuilder { TextBody = text };
        foreach (var a in attachments) body.Attachments.Add(a);
        message.Body = body.ToMessageBody();
        return message;
    }

    private static MimePart File(string name, string type, byte[] bytes) => new(type)
    {
        FileName = name,
        Content = new MimeContent(new MemoryStream(bytes)),
        ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
        ContentTransferEncoding = ContentEncoding.Base64,
    };

    [Fact]
    public async Task ReportMailboxOfAGroup_EmailBecomesASealedReportForThatGroup_AndIsReadOnceOnlyAcrossARestart()
    {
        var pdf = "%PDF-1.4\n% 举报材料\n"u8.ToArray();
        var letter = Letter("张三 <zhangsan@example.cn>", "反映市委党校某领导违规收受礼品",
            "市委党校某副校长在2025年中秋前收受下属单位购物卡，请巡察组核查。",
            File("现场.png", "image/png", TestImages.Png(metadata: true)), File("材料.pdf", "application/pdf", pdf));
        await mail.Imap.AppendAsync(MailIntakeDeployment.GroupUser, letter);

        var pass = await App.Services.GetRequiredService<MailReader>().ReadAsync(MailIntakeDeployment.Box(App, "xcz1-reports"), CancellationToken.None);
        Assert.Equal((1, 0, 0), (pass.Registered, pass.Repeated, pass.Refused));

        long id;
        await using (var scope = App.Scope())
        {
            var db = App.Db(scope);
            var record = await db.Set<MailIntakeMessage>().AsNoTracking().SingleAsync(r => r.Mailbox == "xcz1-reports");
            id = record.MatterId;
            var m = await db.Matters.AsNoTracking().SingleAsync(x => x.Id == id);
            Assert.Equal(("email", "report", true), (m.Channel, m.Kind, m.Confidential));
            Assert.Equal("反映市委党校某领导违规收受礼品", m.Title);
            Assert.Contains("收受下属单位购物卡", m.Content, StringComparison.Ordinal);
            // To the group that owns the mailbox, by the ordinary dispatch.
            Assert.Equal(MailIntakeDeployment.GroupUnit, m.LeadUnitCode);
            Assert.Equal(Status.Dispatched, m.Status);
            // The sender is the raiser, sealed: nowhere in the clear, not in the events, not in the message's record.
            Assert.NotNull(m.RaiserSealed);
            Assert.DoesNotContain("zhangsan", m.RaiserSealed, StringComparison.Ordinal);
            var events = await db.Events.AsNoTracking().Where(e => e.MatterId == id).Select(e => e.Data).ToListAsync();
            Assert.All(events, data => Assert.DoesNotContain("zhangsan", data, StringComparison.Ordinal));
            Assert.DoesNotContain("example.cn", record.MessageId, StringComparison.Ordinal);
            // The image under the photo rules (its metadata stripped), the PDF kept as it came.
            var photo = await db.Attachments.AsNoTracking().SingleAsync(a => a.MatterId == id);
            Assert.Equal(TestImages.Png(metadata: false), photo.Content);
            var file = await db.Set<MailIntakeFile>().AsNoTracking().SingleAsync(f => f.MatterId == id);
            Assert.Equal(("材料.pdf", "application/pdf"), (file.FileName, file.ContentType));
            Assert.Equal(pdf, file.Content);
        }
        Assert.True((await mail.Imap.FlagsAsync(MailIntakeDeployment.GroupUser))[letter.MessageId!].HasFlag(MessageFlags.Seen));

        // A group member sees it in the group's work, the raiser not shown.
        await App.Desk.AccountAsync("h-xcz1", "第一巡察组干部", MailIntakeDeployment.GroupUnit, "handler");
        var detail = await (await App.As("h-xcz1")).Get(id);
        Assert.Equal("email", (string)detail["channel"]!);
        Assert.DoesNotContain("zhangsan", detail.ToJsonString(), StringComparison.Ordinal);

        // A node that crashed after the commit, before marking the message read, leaves it unread; another host
        // over the same database reads it again and finds it registered: no second matter, and now it is marked.
        await mail.Imap.MarkUnreadAsync(MailIntakeDeployment.GroupUser);
        await using var restarted = mail.Configure(App.Sibling());
        await restarted.InitializeAsync();
        var again = await restarted.Services.GetRequiredService<MailReader>().ReadAsync(MailIntakeDeployment.Box(restarted, "xcz1-reports"), CancellationToken.None);
        Assert.Equal((0, 1, 0), (again.Registered, again.Repeated, again.Refused));
        await using (var scope = restarted.Scope())
        {
            var db = restarted.Db(scope);
            Assert.Equal(1, await db.Matters.CountAsync(m => m.Channel == "email" && m.Title == "反映市委党校某领导违规收受礼品"));
        }
        Assert.True((await mail.Imap.FlagsAsync(MailIntakeDeployment.GroupUser))[letter.MessageId!].HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public async Task UnitMailboxOverStartTls_EmailBecomesAComplaintToTheUnit_AndIsMovedAfterItsCommit()
    {
        var letter = Letter("李四 <lisi@example.cn>", "台城某厂拖欠工资三个月", "台城街道某电子厂拖欠六十名员工工资，请人社局处理。");
        await mail.Imap.AppendAsync(MailIntakeDeployment.UnitUser, letter);

        var pass = await App.Services.GetRequiredService<MailReader>().ReadAsync(MailIntakeDeployment.Box(App, "taishan-rsj"), CancellationToken.None);

        Assert.Equal(1, pass.Registered);
        await using (var scope = App.Scope())
        {
            var db = App.Db(scope);
            var id = (await db.Set<MailIntakeMessage>().AsNoTracking().SingleAsync(r => r.Mailbox == "taishan-rsj")).MatterId;
            var m = await db.Matters.AsNoTracking().SingleAsync(x => x.Id == id);
            Assert.Equal(("email", "complaint", false), (m.Channel, m.Kind, m.Confidential));
            Assert.Equal(MailIntakeDeployment.Unit, m.LeadUnitCode);
            Assert.NotNull(m.RaiserSealed);
        }
        Assert.Empty(await mail.Imap.FlagsAsync(MailIntakeDeployment.UnitUser));
        Assert.True((await mail.Imap.FlagsAsync(MailIntakeDeployment.UnitUser, "Processed"))[letter.MessageId!].HasFlag(MessageFlags.Seen));
    }
}
