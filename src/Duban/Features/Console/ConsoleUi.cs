using Microsoft.Extensions.DependencyInjection;

namespace Duban.Features.StaffConsole;

public static class ConsoleUi
{
    public static IServiceCollection AddDubanConsole(this IServiceCollection services)
    {
        services.AddScoped<AvailableActions>();
        return services;
    }
}
