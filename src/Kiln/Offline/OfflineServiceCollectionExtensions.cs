namespace Kiln.Offline;

public static class OfflineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the offline model: options from <c>Kiln:Agent:Offline</c> (validated at start), and the Messages API
    /// it serves on loopback once something asks for it, which every runtime reaches by base URL like any other model.
    /// </summary>
    public static IServiceCollection AddOfflineModel(this IServiceCollection services)
    {
        services.AddOptions<OfflineModelOptions>().BindConfiguration(OfflineModelOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ViteToolchain>();
        services.AddSingleton<OfflineModelServer>();
        return services;
    }
}
