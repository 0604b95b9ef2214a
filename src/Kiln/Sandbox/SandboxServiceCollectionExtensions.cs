using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kiln.Sandbox;

public static class SandboxServiceCollectionExtensions
{
    /// <summary>
    /// Registers the sandbox: options from <c>Kiln:Sandbox</c> (validated at start), the command policy and the process
    /// runner. Idempotent, so every piece that runs commands (tools, preview) can ask for it.
    /// </summary>
    public static IServiceCollection AddSandbox(this IServiceCollection services)
    {
        if (services.Any(descriptor => descriptor.ServiceType == typeof(SandboxedProcessRunner)))
        {
            return services;
        }

        services.AddOptions<SandboxOptions>()
            .BindConfiguration(SandboxOptions.SectionName)
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
