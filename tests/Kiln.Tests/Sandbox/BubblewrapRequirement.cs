using Kiln.Sandbox;
using Kiln.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Sandbox;

/// <summary>
/// <see cref="Requires.Bubblewrap"/> as the sandbox's own probe answers it: Kiln.Testing knows nothing of Kiln, so the
/// runner's status is read here.
/// </summary>
internal static class BubblewrapRequirement
{
    public static async Task RequireBubblewrapAsync(this SandboxedProcessRunner runner)
    {
        var status = await runner.GetStatusAsync(TestContext.Current.CancellationToken);
        Requires.Bubblewrap(status.Isolated, status.Description);
    }

    public static Task RequireBubblewrapAsync(this IServiceProvider services) =>
        services.GetRequiredService<SandboxedProcessRunner>().RequireBubblewrapAsync();
}
