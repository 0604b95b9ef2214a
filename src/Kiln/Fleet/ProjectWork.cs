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
    ProjectReplica replica,
    RestoredPreviews previews,
    ILogger<ProjectWork> logger) : IProjectWork
{
    /// <summary>
    /// Takes the project's next epoch (from then on its previous owner, should it still be running somewhere, can write
    /// nothing), kills what a previous owner on this host left running, restores the project from its replica when this
    /// disk's copy is missing or older (its files are then served from here, and its preview comes up once its
    /// dependencies are installed), then interrupts what its last owner left running.
    /// </summary>
    public async Task<CancellationToken> AdoptAsync(string projectId, CancellationToken cancellationToken)
    {
        var tenure = fence.Hold(projectId, await store.TakeEpochAsync(projectId, cancellationToken));
        if (PidFiles.KillLeftovers(workspace.PidDirectory(projectId)) is > 0 and var killed)
        {
            using (ProjectLogScope.Begin(logger, projectId))
            {
                logger.KilledLeftovers(killed);
            }
        }

        if (await replica.RestoreAsync(projectId, cancellationToken))
        {
            previews.Enqueue(projectId);
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
            await previews.CancelAsync(projectId);
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
