using Kiln.Events;
using Kiln.Projects;

namespace Kiln.Fleet;

/// <summary>
/// A generation whose owner left the cluster (it died, or stopped answering and was declared dead) is marked
/// <c>interrupted</c>, with the events that say so, by the instance its project's grain is activated on next. Only its status changes: prompts, files and events stay.
/// </summary>
public sealed class OrphanedGenerations(IProjectStore store, EventLog events, TimeProvider time, ILogger<OrphanedGenerations> logger)
{
    public const string Reason =
        "The Kiln instance running this generation stopped answering before it finished (it left the cluster). Send the prompt again to continue.";

    /// <summary>Marks the project interrupted if a generation is still queued or running in the store; true when this call did.</summary>
    public async Task<bool> InterruptAsync(string projectId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var changed = false;
        await store.UpdateAsync(projectId, current =>
        {
            // The store may run this more than once (optimistic concurrency): the last run is what was written.
            changed = current.Status.IsBusy();
            return changed
                ? current with { Status = ProjectStatus.Interrupted, Error = Reason, UpdatedAt = now, FinishedAt = now }
                : current;
        }, cancellationToken);

        if (!changed)
        {
            return false;
        }

        await events.AppendAsync(projectId, new ErrorOccurred(Reason), CancellationToken.None);
        await events.AppendAsync(projectId, new StatusChanged(ProjectStatus.Interrupted, Reason), CancellationToken.None);
        using (ProjectLogScope.Begin(logger, projectId))
        {
            logger.Interrupted();
        }

        return true;
    }
}
