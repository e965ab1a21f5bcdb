namespace Duban.Features.Notifications;

public static class NotificationServices
{
    /// <summary>Notifier (in the caller's transaction), the in-app inbox, the e-mail and SMS outboxes; the mailer and the SMS sender are hosted services (AddDubanWeb).</summary>
    public static IServiceCollection AddDubanNotifications(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section)
            .Validate(o => o.Port is >= 1 and <= 65535,
                $"{SmtpOptions.Section}:Port 须为 1 到 65535 之间的端口号 / must be a port number from 1 to 65535")
            .Validate(o => o.PollSeconds is >= 1 and <= 3600,
                $"{SmtpOptions.Section}:PollSeconds 须在 1 到 3600 之间 / must be 1 to 3600 seconds")
            .Validate(o => o.MaxAttempts is >= 1 and <= 100,
                $"{SmtpOptions.Section}:MaxAttempts 须在 1 到 100 之间 / must be 1 to 100")
            .Validate(o => !o.Enabled || SmtpOptions.IsAddress(o.From),
                $"{SmtpOptions.Section}:From 须为有效的电子邮件地址 / must be a valid e-mail address")
            .Validate(o => !o.Enabled || !o.Host!.Any(char.IsWhiteSpace),
                $"{SmtpOptions.Section}:Host 不能含空白 / must be a host name or address without spaces")
            .Validate(o => MailTls.IsThumbprint(o.CertificateThumbprint),
                $"{SmtpOptions.Section}:CertificateThumbprint 须为证书的 SHA-256（64 位十六进制）/ must be the certificate's SHA-256 in hex")
            .ValidateOnStart();
        services.AddOptions<SmsOptions>().BindConfiguration(SmsOptions.Section)
            .Validate(o => SmsOptions.IsUrl(o.Url),
                $"{SmsOptions.Section}:Url 须为 http 或 https 地址 / must be an http or https URL")
            .Validate(o => o.PollSeconds is >= 1 and <= 3600,
                $"{SmsOptions.Section}:PollSeconds 须在 1 到 3600 之间 / must be 1 to 3600 seconds")
            .Validate(o => o.MaxAttempts is >= 1 and <= 100,
                $"{SmsOptions.Section}:MaxAttempts 须在 1 到 100 之间 / must be 1 to 100")
            .Validate(o => o.MaxChars is >= 70 and <= 1000,
                $"{SmsOptions.Section}:MaxChars 须在 70 到 1000 之间 / must be 70 to 1000 characters")
            .Validate(o => (o.Signature?.Trim().Length ?? 0) <= 20,
                $"{SmsOptions.Section}:Signature 最多 20 个字符 / must be at most 20 characters")
            .ValidateOnStart();
        services.AddHttpClient(HttpSmsGateway.Client, c => c.Timeout = HttpSmsGateway.Timeout);
        services.AddSingleton<ISmsGateway, HttpSmsGateway>();
        services.AddSingleton<SmsOutbox>();
        services.AddScoped<Notifier>();
        services.AddScoped<NotificationInbox>();
        services.AddSingleton<MailOutbox>();
        return services;
    }
}
