using Kiln.Agents;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Sandbox;

namespace Kiln.Fleet;

/// <summary>A project's generations and dev server on this instance, as its <see cref="ProjectGrain"/> starts and stops owning them.</summary>
public sealed class ProjectWork(
    IProjectStore store,
    ProjectFence fence,
    ProjectWorkspace workspace,
    OrphanedGenerations orphans,
    GenerationScheduler scheduler,
    DevServerSupervisor devServers,
    ILogger<ProjectWork> logger) : IProjectWork
{
    public async Task<CancellationToken> AdoptAsync(string projectId, CancellationToken cancellationToken)
    {
        // The epoch first: from here on the previous owner, should it still be running somewhere, can write nothing.
        var tenure = fence.Hold(projectId, await store.TakeEpochAsync(projectId, cancellationToken));
        // Then, before anything starts here, what an owner that died on this host (or was paused and is now fenced
        // off) left running: its dev server, its commands.
        if (PidFiles.KillLeftovers(workspace.PidDirectory(projectId)) is > 0 and var killed)
        {
            using (ProjectLogScope.Begin(logger, projectId))
            {
                logger.KilledLeftovers(killed);
            }
        }

        await orphans.InterruptAsync(projectId, cancellationToken);
        return tenure.Lost;
    }

    public async Task<bool> IsBusyAsync(string projectId, CancellationToken cancellationToken) =>
        devServers.State(projectId) is DevServerState.Starting or DevServerState.Running
        || (await store.GetAsync(projectId, cancellationToken))?.Status.IsBusy() == true;

    public async Task StopAsync(string projectId, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await StopWritingAsync(() => scheduler.CancelAsync(projectId, reason, cancellationToken));
            await StopWritingAsync(() => devServers.StopServerAsync(projectId, DevServerStopReason.Requested, cancellationToken));
        }
        finally
        {
            fence.Release(projectId);
        }
    }

    /// <summary>Stops one kind of work. A lost project's stop still kills its processes; only what it would record is refused.</summary>
    private static async Task StopWritingAsync(Func<Task> stop)
    {
        try
        {
            await stop();
        }
        catch (OwnershipLostException)
        {
            // The newer owner's record stands; the work is stopped all the same.
        }
    }
}
