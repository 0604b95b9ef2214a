using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kiln.Sandbox;

public static class SandboxServiceCollectionExtensions
{
    /// <summary>
    /// Registers the sandbox: options from <c>Kiln:Sandbox</c> (validated at start), the command policy and the process
    /// runner that every command and dev server runs through.
    /// </summary>
    public static IServiceCollection AddSandbox(this IServiceCollection services)
    {
        services.AddOptions<SandboxOptions>()
            .BindConfiguration(SandboxOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CommandPolicy>();
        // A singleton the container disposes at shutdown, which kills every process still running.
        services.AddSingleton<SandboxedProcessRunner>();
        services.AddHostedService<SandboxStartup>();
        return services;
    }
}
