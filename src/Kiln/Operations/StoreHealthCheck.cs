using Kiln.Projects;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kiln.Operations;

/// <summary>Ready only when the store answers a read. A failure is reported by the health check service with its exception.</summary>
public sealed class StoreHealthCheck(IProjectStore store) : IHealthCheck
{
    // Not a project id, so it can never name one: the read goes to the store and finds nothing.
    private const string Probe = "readiness-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await store.GetAsync(Probe, cancellationToken);
        return HealthCheckResult.Healthy("The project store answers.");
    }
}
