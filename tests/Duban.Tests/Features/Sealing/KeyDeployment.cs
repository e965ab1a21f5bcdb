using Duban.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Duban.Tests.Features.Sealing;

/// <summary>A deployment of a key test's own (its keys and data directory are the test's to change), without the demo's matters.</summary>
internal static class KeyDeployment
{
    public static async Task<DubanFactory> StartAsync()
    {
        var first = new DubanFactory();
        first.Settings["Duban:Demo:Matters"] = "false";
        await first.InitializeAsync();
        return first;
    }

    /// <summary>The node's data directory, where its key files are.</summary>
    public static string DataDirectory(DubanFactory node) => Duban.Hosting.DubanServices.DataDirectory(node.Services.GetRequiredService<IConfiguration>());
}
