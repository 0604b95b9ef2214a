using Microsoft.Extensions.Options;

namespace Kiln.Fleet;

/// <summary>
/// This instance's load now: its running work, its children's memory, its weight, and whether it is draining
/// (<see cref="FleetOptions.Draining"/>, read live so a changed configuration file drains it, or its shutdown has begun).
/// </summary>
public sealed class LocalLoad(IRunningWork work, ControlGroupUsage usage, IOptionsMonitor<FleetOptions> options, IHostApplicationLifetime lifetime)
{
    public InstanceLoad Measure()
    {
        var fleet = options.CurrentValue;
        var (cpuPercent, memoryBytes) = ControlGroupUsage.InContainer ? usage.Sample() : (null, null);
        return new InstanceLoad(
            work.DevServers, work.Generations, ChildMemory.Measure(Environment.ProcessId), fleet.Weight,
            fleet.Draining || lifetime.ApplicationStopping.IsCancellationRequested, cpuPercent, memoryBytes);
    }
}
