using Kiln.Sandbox;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kiln.Operations;

/// <summary>
/// Whether commands can run as configured: unhealthy when bubblewrap is required and does not work, degraded (still
/// ready) when commands run without isolation, healthy when they run in bubblewrap.
/// </summary>
public sealed class SandboxHealthCheck(SandboxedProcessRunner runner) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = await runner.GetStatusAsync(cancellationToken);
        var data = new Dictionary<string, object> { ["mode"] = status.Mode.ToString(), ["isolated"] = status.Isolated, ["userNamespace"] = status.UserNamespace, ["networkIsolated"] = status.NetworkIsolated, ["controlGroups"] = status.ControlGroups };
        if (status.Isolated)
        {
            return HealthCheckResult.Healthy(status.Description, data);
        }

        return status.Mode == SandboxMode.Required
            ? HealthCheckResult.Unhealthy(status.Description + " Kiln:Sandbox:Mode is required, so every command is refused.", data: data)
            : HealthCheckResult.Degraded(status.Description, data: data);
    }
}
