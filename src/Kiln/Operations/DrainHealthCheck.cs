using Kiln.Api;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kiln.Operations;

/// <summary>Not ready while draining, so a load balancer sends new work elsewhere before the instance goes.</summary>
public sealed class DrainHealthCheck(InstanceDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("Kiln is stopping: it takes no new generation and lets running ones finish.")
            : HealthCheckResult.Healthy("Kiln takes new generations."));
}
