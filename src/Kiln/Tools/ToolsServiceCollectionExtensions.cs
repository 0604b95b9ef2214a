using Kiln.Projects;
using Kiln.Sites;

namespace Kiln.Tools;

public static class ToolsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the tools: options from <c>Kiln:Tools</c> and <c>Kiln:Packages</c> (validated at start), the package
    /// manager, the runner of a project's commands and its build (which publishing uses too), the scaffold cache, and the toolset every runtime and the
    /// MCP endpoint build a project's tools from.
    /// </summary>
    public static IServiceCollection AddTools(this IServiceCollection services)
    {
        services.AddOptions<ToolsOptions>().BindConfiguration(ToolsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PackagesOptions>().BindConfiguration(PackagesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HandEditsOptions>().BindConfiguration(HandEditsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FileWriteRules>();
        services.AddSingleton<HandEdits>();
        services.AddProjectStateHolder<HandEdits>();
        services.AddSingleton<PackageManager>();
        services.AddSingleton<PackageRegistry>();
        services.AddSingleton<ProjectCommandRunner>();
        services.AddSingleton<ProjectBuild>();
        services.AddSingleton<IAppBuilder>(provider => provider.GetRequiredService<ProjectBuild>());
        services.AddSingleton<DependencyInstaller>();
        services.AddSingleton<TemplateCache>();
        services.AddSingleton<ProjectToolset>();
        return services;
    }
}
