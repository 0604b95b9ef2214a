namespace Kiln.Sandbox;

/// <summary>
/// Probes the sandbox while the host starts, so its status is logged once, up front, not at the first command; and
/// kills what the commands of a Kiln killed without bubblewrap left running, before this one starts any.
/// </summary>
internal sealed class SandboxStartup(SandboxedProcessRunner runner, ILogger<SandboxStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (StrayProcesses.KillOrphans() is > 0 and var killed)
        {
            logger.OrphansKilled(killed);
        }

        return runner.GetStatusAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
