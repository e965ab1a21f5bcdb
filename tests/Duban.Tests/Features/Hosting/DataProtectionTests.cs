using System.Security.Cryptography;
using Duban.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Hosting;

/// <summary>
/// Several nodes behind one address: a cookie or an antiforgery token protected by one node must open on
/// another. Duban:DataProtection:KeysPath names the key ring they share; two rings do not open each other's.
/// </summary>
public sealed class DataProtectionTests
{
    [Fact]
    public async Task NodesSharingAKeysPath_OpenEachOthersPayloads_AndOtherRingsDoNot()
    {
        var shared = Path.Combine(Path.GetTempPath(), "duban-keys-" + Guid.NewGuid().ToString("N")[..10]);
        var other = shared + "-other";
        try
        {
            await using var first = await StartAsync(shared);
            await using var second = await StartAsync(shared);
            await using var stranger = await StartAsync(other);
            var payload = Protector(first).Protect("登录凭据");
            Assert.Equal("登录凭据", Protector(second).Unprotect(payload));
            Assert.NotEmpty(Directory.GetFiles(shared, "key-*.xml"));
            Assert.ThrowsAny<CryptographicException>(() => Protector(stranger).Unprotect(payload));
        }
        finally
        {
            foreach (var dir in new[] { shared, other }) if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<DubanFactory> StartAsync(string keysPath)
    {
        var app = new DubanFactory();
        app.Settings["Duban:DataProtection:KeysPath"] = keysPath;
        await app.InitializeAsync();
        return app;
    }

    private static IDataProtector Protector(DubanFactory app) =>
        app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Duban.Tests.Cookie");
}
