using Kiln.Agents;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;

namespace Kiln.Fleet;

/// <summary>A project's generations and dev server on this instance, as its <see cref="ProjectGrain"/> starts and stops owning them.</summary>
public sealed class ProjectWork(
    IProjectStore store,
    OrphanedGenerations orphans,
    GenerationScheduler scheduler,
    DevServerSupervisor devServers,
    ProjectReplica replica,
    RestoredPreviews previews) : IProjectWork
{
    /// <summary>
    /// Restores the project from its replica first when this disk's copy is missing or older (its files are then served
    /// from here, and its preview comes up once its dependencies are installed), then interrupts what its last owner left running.
    /// </summary>
    public async Task AdoptAsync(string projectId, CancellationToken cancellationToken)
    {
        if (await replica.RestoreAsync(projectId, cancellationToken))
        {
            previews.Enqueue(projectId);
        }

        await orphans.InterruptAsync(projectId, cancellationToken);
    }

    public async Task<bool> IsBusyAsync(string projectId, CancellationToken cancellationToken) =>
        devServers.State(projectId) is DevServerState.Starting or DevServerState.Running
        || (await store.GetAsync(projectId, cancellationToken))?.Status.IsBusy() == true;

    public async Task StopAsync(string projectId, string reason, CancellationToken cancellationToken)
    {
        await scheduler.CancelAsync(projectId, reason, cancellationToken);
        await previews.CancelAsync(projectId);
        await devServers.StopServerAsync(projectId, DevServerStopReason.Requested, cancellationToken);
    }
}
