using Kiln.Projects;

namespace Kiln.Versions;

public static class VersionsServiceCollectionExtensions
{
    /// <summary>
    /// Registers versions: the app's git repository, committed by Kiln when each generation ends, its history, and the
    /// screenshots of the pages each version was seen to show, and pushing it to a git remote.
    /// </summary>
    public static IServiceCollection AddVersions(this IServiceCollection services)
    {
        services.AddOptions<GitOptions>().BindConfiguration(GitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AppRepository>();
        services.AddSingleton<VersionHistory>();
        services.AddProjectStateHolder<VersionHistory>();
        services.AddSingleton<VersionScreenshots>();
        services.AddSingleton<GitSettings>();
        services.AddSingleton<GitPusher>();
        return services;
    }
}
