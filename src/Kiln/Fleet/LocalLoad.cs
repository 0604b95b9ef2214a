using Microsoft.Extensions.Options;

namespace Kiln.Fleet;

/// <summary>
/// This instance's load now: its running work, its children's memory, its weight, and whether it is draining
/// (<see cref="FleetOptions.Draining"/>, read live so a changed configuration file drains it, or its shutdown has begun).
/// </summary>
public sealed class LocalLoad(IRunningWork work, IOptionsMonitor<FleetOptions> options, IHostApplicationLifetime lifetime)
{
    public InstanceLoad Measure()
    {
        var fleet = options.CurrentValue;
        return new InstanceLoad(
            work.DevServers, work.Generations, ChildMemory.Measure(Environment.ProcessId), fleet.Weight,
            fleet.Draining || lifetime.ApplicationStopping.IsCancellationRequested);
    }
}
