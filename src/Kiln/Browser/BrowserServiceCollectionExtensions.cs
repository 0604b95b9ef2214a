namespace Kiln.Browser;

public static class BrowserServiceCollectionExtensions
{
    /// <summary>
    /// Registers Kiln's headless browser: options from <c>Kiln:Browser</c> (validated at start) and the one Chromium
    /// every project's checks share, started on first use and closed when the container is disposed.
    /// </summary>
    public static IServiceCollection AddBrowser(this IServiceCollection services)
    {
        services.AddOptions<BrowserOptions>().BindConfiguration(BrowserOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HeadlessBrowser>();
        return services;
    }
}
