using Kiln.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Fleet;

/// <summary>The fleet as the cluster's membership table has it: <c>GET /api/fleet</c>.</summary>
public static class FleetEndpoints
{
    public static RouteHandlerBuilder MapFleet(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/fleet", GetFleetAsync)
            .WithTags(ApiTags.Fleet)
            .WithName("GetFleet")
            .WithSummary("The instances in the fleet, with the projects each owns and its load");

    private static async Task<Ok<FleetResponse>> GetFleetAsync(
        IClusterMembershipService membership, IGrainFactory grains, ThisInstance self, CancellationToken cancellationToken)
    {
        var members = membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status is SiloStatus.Active or SiloStatus.Joining or SiloStatus.ShuttingDown or SiloStatus.Stopping)
            .OrderBy(member => member.Name, StringComparer.Ordinal)
            .ToList();
        var active = members.Where(member => member.Status == SiloStatus.Active).Select(member => member.SiloAddress).ToArray();
        var management = grains.GetGrain<IManagementGrain>(0);
        var runtime = active.Length == 0 ? [] : await management.GetRuntimeStatistics(active, cancellationToken);
        var counts = active.Length == 0 ? [] : await management.GetSimpleGrainStatistics(active, cancellationToken);
        var grainType = typeof(ProjectGrain).FullName!;
        var instances = members.Select(member =>
        {
            var index = Array.IndexOf(active, member.SiloAddress);
            var stats = index >= 0 && index < runtime.Length ? runtime[index] : null;
            var projects = counts.Where(c => c.SiloAddress.Equals(member.SiloAddress) && c.GrainType.Contains(grainType, StringComparison.Ordinal))
                .Sum(c => c.ActivationCount);
            return new FleetMember(
                member.Name, member.SiloAddress.ToParsableString(), member.Status.ToString().ToLowerInvariant(), projects,
                stats?.EnvironmentStatistics.FilteredCpuUsagePercentage, stats?.EnvironmentStatistics.FilteredMemoryUsageBytes);
        }).ToList();
        return TypedResults.Ok(new FleetResponse(self.Id, instances));
    }
}

/// <summary>The fleet: the instance that answered (<see cref="Self"/>) and every live instance.</summary>
public sealed record FleetResponse(string Self, IReadOnlyList<FleetMember> Instances);

/// <summary>
/// An instance: its <c>Kiln:Fleet:InstanceId</c>, its silo's address, its status in the membership table
/// (active, joining, shutting_down), the projects it owns now, and its process's CPU use (percent) and memory (bytes) when known.
/// </summary>
public sealed record FleetMember(string Id, string Silo, string Status, int Projects, float? CpuPercent, long? MemoryBytes);
