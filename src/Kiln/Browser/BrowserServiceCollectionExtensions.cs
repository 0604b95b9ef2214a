using Kiln.Projects;

namespace Kiln.Browser;

public static class BrowserServiceCollectionExtensions
{
    /// <summary>
    /// Registers Kiln's headless browser: options from <c>Kiln:Browser</c> (validated at start) and the one Chromium
    /// every project's checks share, started on first use and closed when the container is disposed; and the regression
    /// guard, which re-checks the pages that rendered before when a generation ends.
    /// </summary>
    public static IServiceCollection AddBrowser(this IServiceCollection services)
    {
        services.AddOptions<BrowserOptions>().BindConfiguration(BrowserOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HeadlessBrowser>();
        services.AddSingleton<RegressionGuard>();
        services.AddProjectStateHolder<RegressionGuard>();
        return services;
    }
}
