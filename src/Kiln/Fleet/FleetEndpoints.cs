using Kiln.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kiln.Fleet;

/// <summary>The fleet as the cluster's membership table has it: <c>GET /api/fleet</c>.</summary>
public static class FleetEndpoints
{
    private static readonly TimeSpan StatisticsTimeout = TimeSpan.FromSeconds(2);

    public static RouteHandlerBuilder MapFleet(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/fleet", GetFleetAsync)
            .WithTags(ApiTags.Fleet)
            .WithName("GetFleet")
            .WithSummary("The instances in the fleet, with the projects each owns and its load");

    private static async Task<Ok<FleetResponse>> GetFleetAsync(
        IClusterMembershipService membership, IGrainFactory grains, ThisInstance self, LoadBoard board, CancellationToken cancellationToken)
    {
        var members = membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status is SiloStatus.Active or SiloStatus.Joining or SiloStatus.ShuttingDown or SiloStatus.Stopping)
            .OrderBy(member => member.Name, StringComparer.Ordinal)
            .ToList();
        var active = members.Where(member => member.Status == SiloStatus.Active).Select(member => member.SiloAddress).ToArray();
        var management = grains.GetGrain<IManagementGrain>(0);
        var statistics = await Task.WhenAll(active.Select(silo => StatisticsAsync(management, silo, cancellationToken)));
        var loads = await LoadsAsync(board, [.. members.Select(member => member.SiloAddress)]);
        var grainType = typeof(ProjectGrain).FullName!;
        var instances = members.Select(member =>
        {
            var index = Array.IndexOf(active, member.SiloAddress);
            var (runtime, counts) = index >= 0 ? statistics[index] : default;
            var load = loads.GetValueOrDefault(member.SiloAddress);
            var projects = (counts ?? []).Where(c => c.GrainType.Contains(grainType, StringComparison.Ordinal)).Sum(c => c.ActivationCount);
            return new FleetMember(
                member.Name, member.SiloAddress.ToParsableString(), member.Status.ToString().ToLowerInvariant(), projects,
                load?.CpuPercent ?? runtime?.EnvironmentStatistics.FilteredCpuUsagePercentage,
                load?.MemoryBytes ?? runtime?.EnvironmentStatistics.FilteredMemoryUsageBytes,
                load);
        }).ToList();
        return TypedResults.Ok(new FleetResponse(self.Id, instances));
    }

    /// <summary>The figures placement weighs; none when Redis cannot be read (the rest of the answer stands).</summary>
    private static async Task<IReadOnlyDictionary<SiloAddress, InstanceLoad>> LoadsAsync(LoadBoard board, IReadOnlyList<SiloAddress> silos)
    {
        try
        {
            return await board.ReadAsync(silos);
        }
        catch (StackExchange.Redis.RedisException)
        {
            return new Dictionary<SiloAddress, InstanceLoad>();
        }
    }

    /// <summary>
    /// One silo's load and grain counts, asked of it alone: a silo that was killed stays active in the membership table
    /// until the others declare it dead (seconds), and until then it answers nothing (or only after a timeout) while the
    /// rest of the fleet still does. Its load is then unknown, not an error.
    /// </summary>
    private static async Task<(SiloRuntimeStatistics? Runtime, SimpleGrainStatistic[]? Counts)> StatisticsAsync(
        IManagementGrain management, SiloAddress silo, CancellationToken cancellationToken)
    {
        try
        {
            var runtime = await management.GetRuntimeStatistics([silo], cancellationToken).WaitAsync(StatisticsTimeout, cancellationToken);
            var counts = await management.GetSimpleGrainStatistics([silo], cancellationToken).WaitAsync(StatisticsTimeout, cancellationToken);
            return (runtime.SingleOrDefault(), counts);
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException)
        {
            return default;
        }
    }
}

/// <summary>The fleet: the instance that answered (<see cref="Self"/>) and every live instance.</summary>
public sealed record FleetResponse(string Self, IReadOnlyList<FleetMember> Instances);

/// <summary>
/// An instance: its <c>Kiln:Fleet:InstanceId</c>, its silo's address, its status in the membership table
/// (active, joining, shutting_down), the projects it owns now, its CPU use (percent) and memory (bytes) when known
/// (its container's in a container, else its process's as Orleans measures them), and the load that placement weighs (with its weight and whether it is draining), when it published one lately.
/// </summary>
public sealed record FleetMember(string Id, string Silo, string Status, int Projects, float? CpuPercent, long? MemoryBytes, InstanceLoad? Load);
