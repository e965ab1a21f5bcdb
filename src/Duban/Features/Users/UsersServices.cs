using Duban.Features.Units;

namespace Duban.Features.Users;

public static class UsersServices
{
    /// <summary>The administration of units and accounts: who administers what, the changes, the list, and the units' refresh settings.</summary>
    public static IServiceCollection AddDubanAdministration(this IServiceCollection services)
    {
        services.AddOptions<UnitOptions>().BindConfiguration(UnitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AdminScope>();
        services.AddScoped<UnitChanges>();
        services.AddScoped<UserChanges>();
        services.AddScoped<UserQueries>();
        return services;
    }
}
