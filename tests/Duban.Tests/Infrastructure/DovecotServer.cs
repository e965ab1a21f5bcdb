using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Duban.Features.Notifications;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Duban.Tests.Infrastructure;

/// <summary>
/// A real IMAP server for tests: Debian's dovecot (package dovecot-imapd, which test.sh installs), started as a
/// throw-away instance with a generated configuration in a temporary directory, on two free loopback ports (implicit
/// TLS and STARTTLS), with a passwd-file of users and a self-signed certificate made for the run. Missing dovecot is
/// an error, never a skip: the intake's tests must run against a real server.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/dovecot";
    public const string Password = "mail-test-password";

    private readonly string directory;
    private readonly Process process;

    public int ImapsPort { get; }
    public int ImapPort { get; }
    public X509Certificate2 Certificate { get; }
    public string Thumbprint => MailTls.Sha256(Certificate);

    private DovecotServer(string directory, Process process, int imaps, int imap, X509Certificate2 certificate)
    {
        this.directory = directory;
        this.process = process;
        ImapsPort = imaps;
        ImapPort = imap;
        Certificate = certificate;
    }

    /// <summary>Starts dovecot with these users (each with <see cref="Password"/>), and waits until both ports answer.</summary>
    public static async Task<DovecotServer> StartAsync(params string[] users)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: install Debian's dovecot-imapd (test.sh does, ensure_dovecot)");
        var dir = Directory.CreateTempSubdirectory("duban-dovecot-").FullName;
        // Dovecot's own processes (auth, imap) run as its users: they must reach the passwd file and the homes.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        foreach (var sub in new[] { "run", "state", "home" }) Directory.CreateDirectory(Path.Combine(dir, sub));
        var certificate = TestCertificates.SelfSigned();
        var (cert, key) = TestCertificates.WritePem(certificate, dir);
        await File.WriteAllLinesAsync(Path.Combine(dir, "passwd"), users.Select(u => $"{u}:{{PLAIN}}{Password}::::::"));
        // The mail is owned by dovecot's own user: dovecot refuses to serve mail as root.
        var mailUser = Environment.UserName == "root" ? "dovecot" : Environment.UserName;
        if (mailUser == "dovecot") await RunAsync("chown", "-R", "dovecot:dovecot", Path.Combine(dir, "home"));
        var (imaps, imap) = (TestCertificates.FreePort(), TestCertificates.FreePort());
        var config = Path.Combine(dir, "dovecot.conf");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $$"""
            protocols = imap
            listen = 127.0.0.1
            base_dir = {{dir}}/run
            state_dir = {{dir}}/state
            log_path = {{dir}}/dovecot.log
            ssl = yes
            ssl_cert = <{{cert}}
            ssl_key = <{{key}}
            disable_plaintext_auth = yes
            auth_mechanisms = plain login
            first_valid_uid = 1
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{dir}}/passwd
            }
            userdb {
              driver = static
              args = uid={{mailUser}} gid={{mailUser}} home={{dir}}/home/%u
            }
            mail_location = maildir:~/Maildir
            namespace inbox {
              inbox = yes
              mailbox Processed {
                auto = create
              }
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{imap}}
              }
              inet_listener imaps {
                address = 127.0.0.1
                port = {{imaps}}
                ssl = yes
              }
            }
            service anvil {
              chroot =
            }
            """));
        var process = Process.Start(new ProcessStartInfo(Binary, ["-F", "-c", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("dovecot did not start");
        var server = new DovecotServer(dir, process, imaps, imap, certificate);
        for (var i = 0; ; i++)
        {
            try
            {
                using var a = new TcpClient();
                await a.ConnectAsync(IPAddress.Loopback, imaps);
                using var b = new TcpClient();
                await b.ConnectAsync(IPAddress.Loopback, imap);
                return server;
            }
            catch (SocketException) when (i < 200 && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                var log = File.Exists(Path.Combine(dir, "dovecot.log")) ? await File.ReadAllTextAsync(Path.Combine(dir, "dovecot.log")) : "";
                var error = process.HasExited ? await process.StandardError.ReadToEndAsync() : "";
                await server.DisposeAsync();
                throw new InvalidOperationException($"dovecot did not listen on {imaps} and {imap}: {error} {log}");
            }
        }
    }

    /// <summary>A client signed in as <paramref name="user"/> over implicit TLS, trusting this run's certificate only.</summary>
    public async Task<ImapClient> ConnectAsync(string user)
    {
        var client = new ImapClient();
        MailTls.Configure(client, Thumbprint);
        await client.ConnectAsync("127.0.0.1", ImapsPort, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(user, Password);
        return client;
    }

    /// <summary>Puts a message in the user's inbox (IMAP APPEND), unread.</summary>
    public async Task AppendAsync(string user, MimeMessage message)
    {
        using var client = await ConnectAsync(user);
        await client.Inbox.AppendAsync(message, MessageFlags.None);
        await client.DisconnectAsync(true);
    }

    /// <summary>The flags of the user's inbox messages, by Message-ID.</summary>
    public async Task<Dictionary<string, MessageFlags>> FlagsAsync(string user, string folder = "INBOX")
    {
        using var client = await ConnectAsync(user);
        var box = await client.GetFolderAsync(folder);
        await box.OpenAsync(FolderAccess.ReadOnly);
        var summaries = box.Count == 0 ? [] : await box.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.Envelope);
        await client.DisconnectAsync(true);
        return summaries.ToDictionary(s => s.Envelope?.MessageId ?? "", s => s.Flags ?? MessageFlags.None);
    }

    /// <summary>Takes \Seen off every message of the inbox: what a node that crashed after its commit, before marking, leaves.</summary>
    public async Task MarkUnreadAsync(string user)
    {
        using var client = await ConnectAsync(user);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        if (client.Inbox.Count > 0) await client.Inbox.RemoveFlagsAsync(Enumerable.Range(0, client.Inbox.Count).ToList(), MessageFlags.Seen, true);
        await client.DisconnectAsync(true);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        Certificate.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file dovecot still held: the temporary directory is cleaned by the system.
        }
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false }) ?? throw new InvalidOperationException(file);
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {p.ExitCode}");
    }
}
