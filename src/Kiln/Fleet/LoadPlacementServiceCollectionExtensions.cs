namespace Kiln.Fleet;

public static class LoadPlacementServiceCollectionExtensions
{
    /// <summary>
    /// Placement by load for grains marked <see cref="LoadPlacementAttribute"/>: this silo's load (counted by the
    /// <see cref="IRunningWork"/> registered beside it), the board it is read from and, with <paramref name="publish"/>
    /// (a fleet on Redis), the service that publishes it there.
    /// </summary>
    public static IServiceCollection AddLoadPlacement(this IServiceCollection services, bool publish)
    {
        services.AddSingleton(provider => new ControlGroupUsage(provider.GetRequiredKeyedService<TimeProvider>(TimeProviderNames.Membership)));
        services.AddSingleton<LocalLoad>();
        services.AddSingleton<LoadBoard>();
        services.AddPlacementDirector<LoadPlacement, LoadPlacementDirector>();
        if (publish)
        {
            services.AddHostedService<LoadPublisher>();
        }

        return services;
    }
}
