using Kiln.Projects;

namespace Kiln.Versions;

public static class VersionsServiceCollectionExtensions
{
    /// <summary>
    /// Registers versions: the app's git repository, committed by Kiln when each generation ends, its history, and the
    /// screenshots of the pages each version was seen to show, pushing it to a git remote, and the unpacking of imported apps (<c>Kiln:Import</c>).
    /// </summary>
    public static IServiceCollection AddVersions(this IServiceCollection services)
    {
        services.AddOptions<GitOptions>().BindConfiguration(GitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AppRepository>();
        services.AddSingleton<VersionHistory>();
        services.AddProjectStateHolder<VersionHistory>();
        services.AddSingleton<VersionScreenshots>();
        services.AddOptions<ImportOptions>().BindConfiguration(ImportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ZipImport>();
        services.AddSingleton<GitImport>();
        services.AddSingleton<GitSettings>();
        services.AddSingleton<GitPusher>();
        return services;
    }
}
