using Kiln.Agents;
using Kiln.Events;
using Kiln.Fleet;
using Kiln.Preview;

namespace Kiln.Projects;

/// <summary>
/// The one way a project is removed, whoever asks (DELETE /api/projects/{id} or the cleanup policy): its work is
/// stopped first, so nothing writes into the directory while it goes, then its metadata, events and files.
/// </summary>
public sealed class ProjectRemoval(
    IProjectStore store,
    GenerationScheduler scheduler,
    DevServerSupervisor devServers,
    ProjectWorkspace workspace,
    EventLog events,
    ProjectActivity activity,
    PreviewErrors errors,
    ErrorFixer fixer,
    VitePublicFiles publicFiles,
    ProjectOwnership ownership)
{
    /// <summary>Removes the project. False when there was none.</summary>
    public async Task<bool> RemoveAsync(string projectId, CancellationToken cancellationToken)
    {
        if (!ProjectIds.IsValid(projectId) || await store.GetAsync(projectId, cancellationToken) is null)
        {
            return false;
        }

        await scheduler.CancelAsync(projectId, "The project is being deleted.", cancellationToken);
        await devServers.ForgetAsync(projectId);
        await store.DeleteAsync(projectId, cancellationToken);
        events.Forget(projectId);
        activity.Forget(projectId);
        errors.Forget(projectId);
        fixer.Forget(projectId);
        publicFiles.Forget(projectId);
        ownership.Release(projectId);
        workspace.Delete(projectId);
        return true;
    }
}
