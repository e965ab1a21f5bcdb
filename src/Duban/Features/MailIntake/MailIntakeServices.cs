using System.Text.RegularExpressions;
using Duban.Features.Notifications;

namespace Duban.Features.MailIntake;

public static partial class MailIntakeServices
{
    /// <summary>The e-mail intake (Features/MailIntake/README.md): its settings, door and reader; the job is a hosted service (AddDubanWeb).</summary>
    public static IServiceCollection AddDubanMailIntake(this IServiceCollection services)
    {
        const string s = MailIntakeOptions.Section;
        services.AddOptions<MailIntakeOptions>().BindConfiguration(s)
            .Validate(o => o.PollSeconds is >= 5 and <= 86_400, $"{s}:PollSeconds 须在 5 到 86400 之间 / must be 5 to 86400 seconds")
            .Validate(o => o.BatchSize is >= 1 and <= 1000, $"{s}:BatchSize 须在 1 到 1000 之间 / must be 1 to 1000")
            .Validate(o => o.Mailboxes.All(b => MailboxName().IsMatch(b.Name)) && o.Mailboxes.DistinctBy(b => b.Name).Count() == o.Mailboxes.Count,
                $"{s}:Mailboxes:n:Name 须唯一，由字母、数字、-_. 组成，不超过40字 / each mailbox needs its own name of letters, digits, '-', '_', '.' (at most 40)")
            .Validate(o => o.Mailboxes.All(b => !string.IsNullOrWhiteSpace(b.Host) && !b.Host.Any(char.IsWhiteSpace) && b.Port is >= 1 and <= 65535),
                $"{s}:Mailboxes:n:Host, Port 须为服务器地址和端口 / must be the IMAP server's host and a port from 1 to 65535")
            .Validate(o => o.Mailboxes.All(b => !string.IsNullOrWhiteSpace(b.UserName) && !string.IsNullOrEmpty(b.Password)),
                $"{s}:Mailboxes:n:UserName, Password 必填 / are required")
            .Validate(o => o.Mailboxes.All(b => !string.IsNullOrWhiteSpace(b.UnitCode) && !string.IsNullOrWhiteSpace(b.Folder)),
                $"{s}:Mailboxes:n:UnitCode, Folder 必填（邮箱所属单位或巡察组）/ are required (the unit or inspection group that owns it)")
            .Validate(o => o.Mailboxes.All(b => MailTls.IsThumbprint(b.CertificateThumbprint)),
                $"{s}:Mailboxes:n:CertificateThumbprint 须为证书的 SHA-256（64 位十六进制）/ must be the certificate's SHA-256 in hex")
            .ValidateOnStart();
        services.AddScoped<MailIntakeDoor>();
        services.AddSingleton<MailReader>();
        return services;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,40}$")]
    private static partial Regex MailboxName();
}
