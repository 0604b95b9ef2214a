namespace Kiln.Fleet;

/// <summary>
/// What one instance runs now, as it publishes it for placement (<see cref="LoadBoard"/>): its running dev servers, its
/// queued and running generations, the memory of its child processes, its <see cref="FleetOptions.Weight"/>, and whether
/// it is draining (stopping, or <see cref="FleetOptions.Draining"/>), when it takes no new projects; in a container,
/// also the container's CPU use (percent) and memory (<see cref="ControlGroupUsage"/>), which placement does not weigh.
/// </summary>
public sealed record InstanceLoad(
    int DevServers, int Generations, long ChildMemoryBytes, double Weight, bool Draining, float? CpuPercent = null, long? MemoryBytes = null)
{
    /// <summary>Child memory that weighs as much as one dev server or one generation.</summary>
    public const long MemoryUnitBytes = 1L << 30;

    /// <summary>The load in units of work (a dev server, a generation, a GiB of child memory), not yet divided by the weight.</summary>
    public double Units => DevServers + Generations + (double)ChildMemoryBytes / MemoryUnitBytes;

    /// <summary>The load per unit of weight: what placement compares.</summary>
    public double Relative => Units / Weight;
}
