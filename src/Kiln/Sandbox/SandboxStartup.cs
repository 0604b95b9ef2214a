namespace Kiln.Sandbox;

/// <summary>Probes the sandbox while the host starts, so its status is logged once, up front, not at the first command.</summary>
internal sealed class SandboxStartup(SandboxedProcessRunner runner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runner.GetStatusAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
