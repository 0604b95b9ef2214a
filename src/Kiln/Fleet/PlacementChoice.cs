namespace Kiln.Fleet;

/// <summary>
/// One instance a new project could go to: its latest published load (null when none is fresh), and the placements
/// made to it here since that load was measured, each of which will run a generation the figures do not show yet.
/// </summary>
public sealed record PlacementCandidate<TSilo>(TSilo Silo, InstanceLoad? Load, int RecentPlacements, bool IsLocal);

/// <summary>
/// The choice of an instance for a new project, on figures alone (no I/O, no clock): the instance with the least load
/// per unit of weight, counting each recent placement as one more unit, never a draining one. Ties go to a random
/// one among them, so a burst of new projects on equal instances spreads instead of piling on the first.
/// With no usable figures it keeps the project where it was asked for, as placement did before it weighed load.
/// </summary>
public static class PlacementChoice
{
    public static TSilo Choose<TSilo>(IReadOnlyList<PlacementCandidate<TSilo>> candidates, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfZero(candidates.Count);
        var eligible = candidates.Where(c => c.Load is { Draining: false }).ToList();
        if (eligible.Count == 0)
        {
            // Nothing known, or every known instance is draining: one whose figures are missing may be fine (it just
            // started), the one asking first, as before placement weighed load; only if all drain, the one asking.
            var unknown = candidates.Where(c => c.Load is null).ToList();
            var fallback = unknown.FirstOrDefault(c => c.IsLocal)
                           ?? (unknown.Count > 0 ? unknown[random.Next(unknown.Count)] : null)
                           ?? candidates.FirstOrDefault(c => c.IsLocal)
                           ?? candidates[random.Next(candidates.Count)];
            return fallback.Silo;
        }

        var scored = eligible.Select(c => (c.Silo, Score: (c.Load!.Units + c.RecentPlacements) / c.Load.Weight)).ToList();
        var least = scored.Min(s => s.Score);
        // Equal within rounding: memory in bytes makes exact ties rare between instances that run the same work.
        var tied = scored.Where(s => s.Score - least < Tolerance).ToList();
        return tied[random.Next(tied.Count)].Silo;
    }

    /// <summary>How close two scores must be to count as a tie: 64 MiB of child memory on an instance of weight 1.</summary>
    private const double Tolerance = 1.0 / 16;
}
