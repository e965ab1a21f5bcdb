using Duban.Data;
using Duban.Features.Notifications;
using Duban.Tests.Infrastructure;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Duban.Tests.Features.Notifications;

/// <summary>
/// The outbox through MailKit against real SMTP servers on loopback (the SmtpServer library): implicit TLS as on
/// port 465, STARTTLS as on 587, each with a self-signed certificate the deployment pins; and a 5xx refusal, given
/// up at once and never tried again.
/// </summary>
[Trait("Category", "Database")]
public sealed class MailOutboxTlsTests(MailDeployment mail) : IClassFixture<MailDeployment>
{
    private DubanFactory App => mail.App;

    /// <summary>The deployment's outbox with other SMTP settings: the same database, clock and claims.</summary>
    private MailOutbox Outbox(TlsSmtpServer server, SecureSocketOptions? security, string? thumbprint) =>
        new(App.Services.GetRequiredService<IServiceScopeFactory>(), Options.Create(new SmtpOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            Security = security,
            CertificateThumbprint = thumbprint,
            From = "江门市督办平台 <duban@jiangmen.example>",
            MaxAttempts = MailDeployment.MaxAttempts,
        }), App.Clock, NullLogger<MailOutbox>.Instance);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Notification_OverImplicitTlsOrStartTls_ArrivesEncryptedWithItsChineseText(bool implicitTls)
    {
        await using var server = await TlsSmtpServer.StartAsync(implicitTls);
        var outbox = Outbox(server, implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls, server.Thumbprint);
        var title = implicitTls ? "【督办通知】经 465 端口隐式加密发送" : "【督办通知】经 587 端口 STARTTLS 发送";
        var row = await MailDeployment.NotifyAsync(App, MailDeployment.WithAddress, title, "请于两个工作日内反馈办理情况。");

        Assert.Equal(1, await outbox.SendDueAsync(CancellationToken.None));

        var message = Assert.Single(server.Messages);
        Assert.Equal(title, message.Subject);
        Assert.Contains("请于两个工作日内反馈办理情况。", message.TextBody, StringComparison.Ordinal);
        Assert.Equal(MailDeployment.Address, Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("江门市督办平台", Assert.Single(message.From.Mailboxes).Name);
        var after = await mail.RowAsync(row.Id);
        Assert.Equal(Notification.EmailSent, after.EmailState);
        Assert.Equal(1, after.EmailAttempts);
    }

    [Fact]
    public async Task ImplicitTlsServer_WhoseCertificateIsNotPinnedNorTrusted_IsNotSentTo_AndTheEmailWaitsForARetry()
    {
        await using var server = await TlsSmtpServer.StartAsync(implicitTls: true);
        var outbox = Outbox(server, SecureSocketOptions.SslOnConnect, thumbprint: null);
        var row = await MailDeployment.NotifyAsync(App, MailDeployment.WithAddress, "【催办】证书不受信任");

        Assert.Equal(0, await outbox.SendDueAsync(CancellationToken.None));

        Assert.Empty(server.Messages);
        var after = await mail.RowAsync(row.Id);
        // A certificate problem is the operator's to fix: retried, not given up at once.
        Assert.Equal(Notification.EmailPending, after.EmailState);
        Assert.Equal(1, after.EmailAttempts);
        Assert.NotNull(after.EmailError);
        // Cleared for the other tests of this deployment.
        Assert.Equal(1, await Outbox(server, SecureSocketOptions.SslOnConnect, server.Thumbprint).SendDueAfterBackoffAsync(App, 1));
    }

    [Fact]
    public async Task PermanentRefusal5xx_FailsAtOnce_AndIsNeverTriedAgain()
    {
        await using var server = await TlsSmtpServer.StartAsync(implicitTls: false);
        var outbox = Outbox(server, SecureSocketOptions.StartTls, server.Thumbprint);
        const string refusedUnit = "440781-zjj"; // 台山市住建局, given an address the server refuses
        await MailDeployment.SetAddressesAsync(App, (refusedUnit, TlsSmtpServer.RefusedAddress));
        try
        {
            var row = await MailDeployment.NotifyAsync(App, refusedUnit, "【提级督办】收件地址不存在");

            Assert.Equal(0, await outbox.SendDueAsync(CancellationToken.None));
            var failed = await mail.RowAsync(row.Id);
            Assert.Equal(Notification.EmailFailed, failed.EmailState);
            Assert.Equal(1, failed.EmailAttempts);
            Assert.StartsWith("550", failed.EmailError, StringComparison.Ordinal);
            Assert.Equal(1, server.Refused);

            // Well past every backoff: nothing is due, the server hears nothing more.
            App.Clock.Advance(TimeSpan.FromHours(3));
            Assert.Equal(0, await outbox.SendDueAsync(CancellationToken.None));
            Assert.Equal(1, server.Refused);
            Assert.Equal(Notification.EmailFailed, (await mail.RowAsync(row.Id)).EmailState);
        }
        finally
        {
            await MailDeployment.SetAddressesAsync(App, (refusedUnit, null));
        }
    }

    [Theory]
    [InlineData(465, false, SecureSocketOptions.SslOnConnect)]
    [InlineData(587, true, SecureSocketOptions.StartTls)]
    [InlineData(25, false, SecureSocketOptions.None)]
    public void Security_Unset_FollowsThePortAndEnableSsl(int port, bool enableSsl, SecureSocketOptions expected) =>
        Assert.Equal(expected, new SmtpOptions { Host = "mail.jiangmen.example", Port = port, EnableSsl = enableSsl }.EffectiveSecurity);
}

internal static class OutboxSteps
{
    /// <summary>Moves the deployment's clock past the first retry's backoff, then sends what is due.</summary>
    public static Task<int> SendDueAfterBackoffAsync(this MailOutbox outbox, DubanFactory app, int attempts)
    {
        app.Clock.Advance(SmtpOptions.Backoff(attempts));
        return outbox.SendDueAsync(CancellationToken.None);
    }
}
