using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Duban.Features.Notifications;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Duban.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on loopback built on the SmtpServer library (MIT), secured as the city's enterprise mail is:
/// implicit TLS from the first byte (as on port 465) or STARTTLS on the plain port (as on 587), with a self-signed
/// certificate made for the run (its SHA-256 is what Duban pins). A message to <see cref="RefusedAddress"/> is refused
/// with 550 (a permanent refusal); every refusal is counted, every accepted message kept as MimeKit parsed it.
/// </summary>
public sealed class TlsSmtpServer : IAsyncDisposable
{
    public const string RefusedAddress = "nobody@refused.example";

    private readonly SmtpServer.SmtpServer server;
    private readonly CancellationTokenSource stopping = new();
    private readonly Store store = new();
    private readonly Task running;

    public int Port { get; }
    public bool ImplicitTls { get; }
    public X509Certificate2 Certificate { get; }
    public string Thumbprint => MailTls.Sha256(Certificate);

    private TlsSmtpServer(bool implicitTls)
    {
        ImplicitTls = implicitTls;
        Certificate = TestCertificates.SelfSigned();
        Port = TestCertificates.FreePort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)).IsSecure(implicitTls).Certificate(Certificate)
                .SupportedSslProtocols(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13))
            .Build();
        var services = new ServiceProvider();
        services.Add(store);
        server = new SmtpServer.SmtpServer(options, services);
        running = server.StartAsync(stopping.Token);
    }

    /// <summary>Starts a server: implicit TLS (465's way) or STARTTLS (587's), on a free loopback port.</summary>
    public static async Task<TlsSmtpServer> StartAsync(bool implicitTls)
    {
        var s = new TlsSmtpServer(implicitTls);
        // Listening once a plain connection is accepted (a server that did not start fails here, not later).
        for (var i = 0; ; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, s.Port);
                return s;
            }
            catch (SocketException) when (i < 100)
            {
                if (s.running.IsCompleted) await s.running;
                await Task.Delay(50);
            }
        }
    }

    public IReadOnlyList<MimeMessage> Messages => store.Messages;
    public int Refused => store.Refused;

    public async ValueTask DisposeAsync()
    {
        server.Shutdown();
        await stopping.CancelAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
        }
        stopping.Dispose();
        Certificate.Dispose();
    }

    private sealed class Store : MessageStore
    {
        private readonly Lock gate = new();
        private readonly List<MimeMessage> messages = [];
        private int refused;

        public IReadOnlyList<MimeMessage> Messages
        {
            get
            {
                lock (gate) return [.. messages];
            }
        }

        public int Refused => Volatile.Read(ref refused);

        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken cancellationToken)
        {
            if (transaction.To.Any(to => $"{to.User}@{to.Host}" == RefusedAddress))
            {
                Interlocked.Increment(ref refused);
                return Task.FromResult(new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.1.1 no such mailbox here"));
            }
            using var stream = new MemoryStream(buffer.ToArray());
            var message = MimeMessage.Load(stream, cancellationToken);
            lock (gate) messages.Add(message);
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
