using Microsoft.Extensions.Options;

namespace Kiln.Sandbox;

/// <summary>
/// Probes the sandbox while the host starts, so its status is logged once, up front, not at the first command; kills
/// what the commands of a Kiln killed without bubblewrap left running, before this one starts any; and, where the
/// sandbox is required (<c>Kiln:Sandbox:Mode=required</c>), refuses to start without it rather than serve a Kiln that
/// can run nothing.
/// </summary>
internal sealed class SandboxStartup(SandboxedProcessRunner runner, IOptions<SandboxOptions> options, ILogger<SandboxStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (StrayProcesses.KillOrphans() is > 0 and var killed)
        {
            logger.OrphansKilled(killed);
        }

        var status = await runner.GetStatusAsync(cancellationToken);
        if (options.Value.Mode == SandboxMode.Required && !status.Isolated)
        {
            throw new SandboxUnavailableException(
                $"Kiln did not start: the sandbox is required (Kiln:Sandbox:Mode=required) but bubblewrap does not work here: {status.Description} " +
                "Install bubblewrap (scripts/install.sh does), or in a container run it as deploy/run-image.sh does (Kiln's seccomp profile, /proc unmasked).");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
