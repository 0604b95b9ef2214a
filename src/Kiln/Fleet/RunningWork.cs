using Kiln.Agents;
using Kiln.Preview;

namespace Kiln.Fleet;

/// <summary>The dev servers and generations this instance runs, from their supervisors.</summary>
public sealed class RunningWork(GenerationScheduler scheduler, DevServerSupervisor devServers) : IRunningWork
{
    public int DevServers => devServers.RunningCount;

    public int Generations => scheduler.RunningCount + scheduler.QueuedCount;
}
