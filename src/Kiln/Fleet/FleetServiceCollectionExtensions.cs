using Kiln.Projects;

namespace Kiln.Fleet;

public static class FleetServiceCollectionExtensions
{
    /// <summary>
    /// Registers the fleet (DESIGN.md section 10). With <c>Kiln:Store=redis</c>: options from <c>Kiln:Fleet</c>
    /// (validated at start), project leases and their keeper, and forwarding to a project's owner. Alone (SQLite)
    /// only <see cref="ProjectOwnership"/> is there, owning everything.
    /// </summary>
    public static IServiceCollection AddFleet(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FleetOptions>().BindConfiguration(FleetOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ThisInstance>();
        services.AddSingleton<OrphanedGenerations>();
        services.AddSingleton<ProjectOwnership>();
        if (StoreOptions.KindIn(configuration) != StoreKind.Redis)
        {
            return services;
        }

        // In a fleet a project belongs to one instance at a time: the lease decides, and is released with the project.
        services.AddSingleton<IProjectPlacement>(provider => provider.GetRequiredService<ProjectOwnership>());
        services.AddProjectStateHolder<ProjectOwnership>();

        // The leases use the store's Redis connection and key prefix (AddProjectStore registers them).
        services.AddSingleton<ProjectLeases>();
        services.AddHttpForwarder();
        services.AddSingleton<OwnerForwarder>();
        services.AddSingleton<OwnerForwarding>();
        services.AddHostedService<LeaseKeeper>();

        return services;
    }

    /// <summary>First, before the preview origin: names the instance on each response; a preview request is served by its project's owner.</summary>
    public static IApplicationBuilder UseFleet(this IApplicationBuilder app)
    {
        var forwarding = app.ApplicationServices.GetService<OwnerForwarding>();
        return forwarding is null ? app : app.Use(forwarding.PreviewAsync);
    }

    /// <summary>After authorization: an endpoint that needs the project's owner is served there.</summary>
    public static IApplicationBuilder UseFleetForwarding(this IApplicationBuilder app)
    {
        var forwarding = app.ApplicationServices.GetService<OwnerForwarding>();
        return forwarding is null ? app : app.Use(forwarding.ApiAsync);
    }
}
