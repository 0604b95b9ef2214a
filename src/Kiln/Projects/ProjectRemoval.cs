namespace Kiln.Projects;

/// <summary>
/// The one way a project is removed, whoever asks (DELETE /api/projects/{id} or the cleanup policy): every holder of
/// its state lets go in <see cref="ProjectRemovalStage"/> order, so nothing writes into the directory while it goes,
/// then its record, what is remembered of it, and its files.
/// </summary>
public sealed class ProjectRemoval(IProjectStore store, ProjectWorkspace workspace, IEnumerable<IProjectStateHolder> holders)
{
    private readonly IProjectStateHolder[] _holders = [.. holders];

    /// <summary>Removes the project. False when there was none.</summary>
    public async Task<bool> RemoveAsync(string projectId, CancellationToken cancellationToken)
    {
        if (!ProjectIds.IsValid(projectId) || await store.GetAsync(projectId, cancellationToken) is null)
        {
            return false;
        }

        await ForgetAsync(projectId, ProjectRemovalStage.StopAgent, cancellationToken);
        await ForgetAsync(projectId, ProjectRemovalStage.StopProcesses, cancellationToken);
        await store.DeleteAsync(projectId, cancellationToken);
        // Past the point of no return: what remains is forgotten even if the caller gives up now.
        await ForgetAsync(projectId, ProjectRemovalStage.Forget, CancellationToken.None);
        workspace.Delete(projectId);
        return true;
    }

    private async Task ForgetAsync(string projectId, ProjectRemovalStage stage, CancellationToken cancellationToken)
    {
        foreach (var holder in _holders)
        {
            if (holder.Stage == stage)
            {
                await holder.ForgetAsync(projectId, cancellationToken);
            }
        }
    }
}
