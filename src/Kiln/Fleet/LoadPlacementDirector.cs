using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;
using StackExchange.Redis;

namespace Kiln.Fleet;

/// <summary>
/// Picks the instance a project's grain is activated on when nobody owns it (<see cref="PlacementChoice"/>): from the
/// figures on the <see cref="LoadBoard"/>, read at most every <see cref="CacheAge"/>, plus the placements made here
/// since, so a burst spreads before any figures show it. A single silo (Kiln alone) places everything on itself
/// without reading anything; <see cref="ProjectPlacementMode.Local"/>, a call marked <see cref="LoadPlacement.HereKey"/>,
/// or a load that cannot be read places on the calling silo, as <c>PreferLocalPlacement</c> does.
/// </summary>
public sealed class LoadPlacementDirector(
    LoadBoard board,
    IOptions<FleetOptions> options,
    [FromKeyedServices(TimeProviderNames.Membership)] TimeProvider time,
    ILogger<LoadPlacementDirector> logger) : IPlacementDirector
{
    private static readonly TimeSpan CacheAge = TimeSpan.FromMilliseconds(500);

    private readonly Lock _gate = new();
    private readonly List<(SiloAddress Silo, long At)> _placed = [];
    private (long ReadAt, IReadOnlyList<SiloAddress> Silos, IReadOnlyDictionary<SiloAddress, InstanceLoad> Loads)? _cached;

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 1)
        {
            return silos[0];
        }

        var local = context.LocalSilo;
        var localCompatible = silos.Contains(local);
        var here = options.Value.Placement == ProjectPlacementMode.Local
                   || (target.RequestContextData?.TryGetValue(LoadPlacement.HereKey, out var flag) == true && flag is true);
        if (here && localCompatible)
        {
            return local;
        }

        var (readAt, loads) = await LoadsAsync([.. silos]);
        if (loads is null)
        {
            return localCompatible ? local : silos[Random.Shared.Next(silos.Length)];
        }

        lock (_gate)
        {
            // Figures read at readAt were measured up to one publish interval before: placements since then are not in them.
            var since = readAt - (long)(options.Value.LoadPublishInterval.TotalSeconds * time.TimestampFrequency);
            _placed.RemoveAll(p => p.At < since);
            var candidates = silos.Select(silo => new PlacementCandidate<SiloAddress>(
                silo, loads.GetValueOrDefault(silo), _placed.Count(p => p.Silo.Equals(silo)), silo.Equals(local))).ToList();
            var chosen = PlacementChoice.Choose(candidates, Random.Shared);
            _placed.Add((chosen, time.GetTimestamp()));
            return chosen;
        }
    }

    /// <summary>The figures of <paramref name="silos"/> and when they were read; null loads when Redis cannot be read.</summary>
    private async Task<(long ReadAt, IReadOnlyDictionary<SiloAddress, InstanceLoad>? Loads)> LoadsAsync(IReadOnlyList<SiloAddress> silos)
    {
        var cached = _cached;
        if (cached is { } c && time.GetElapsedTime(c.ReadAt) < CacheAge && c.Silos.SequenceEqual(silos))
        {
            return (c.ReadAt, c.Loads);
        }

        var readAt = time.GetTimestamp();
        try
        {
            var loads = await board.ReadAsync(silos);
            _cached = (readAt, silos, loads);
            return (readAt, loads);
        }
        catch (RedisException exception)
        {
            logger.LoadReadFailed(exception);
            return (readAt, null);
        }
    }
}
