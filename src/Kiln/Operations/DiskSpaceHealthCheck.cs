using System.Globalization;
using Kiln.Projects;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Kiln.Operations;

/// <summary>Ready only while the projects' filesystem has at least <c>Kiln:Health:MinFreeDiskBytes</c> free.</summary>
public sealed class DiskSpaceHealthCheck(ProjectWorkspace workspace, IOptions<HealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var free = new DriveInfo(workspace.Root).AvailableFreeSpace;
        var minimum = options.Value.MinFreeDiskBytes;
        var data = new Dictionary<string, object> { ["freeBytes"] = free, ["minFreeBytes"] = minimum };
        return Task.FromResult(free >= minimum
            ? HealthCheckResult.Healthy(Describe($"{free} bytes free where projects live"), data)
            : HealthCheckResult.Unhealthy(
                Describe($"{free} bytes free where projects live, below Kiln:Health:MinFreeDiskBytes ({minimum}). Free space, or let the cleanup policy (Kiln:Cleanup) remove old projects."),
                data: data));
    }

    private static string Describe(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
