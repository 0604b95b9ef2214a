namespace Kiln.Projects;

/// <summary>What queueing a follow-up prompt on an existing project came to.</summary>
public enum PromptQueueing
{
    Queued,
    NotFound,
    Busy,
}

public static class FollowUpPrompts
{
    /// <summary>
    /// Appends <paramref name="prompt"/> to the project and marks it queued, in one atomic change of its record,
    /// unless a generation is queued or running (only one at a time). Returns the prompt's number when queued.
    /// </summary>
    public static async Task<(PromptQueueing Outcome, int PromptNumber)> QueuePromptAsync(
        this IProjectStore store, string projectId, ProjectPrompt prompt, CancellationToken cancellationToken)
    {
        var busy = false;
        var updated = await store.UpdateAsync(projectId, project =>
        {
            // Set on every run: a store may run the change more than once.
            busy = project.Status.IsBusy();
            return busy
                ? project
                : project with { Status = ProjectStatus.Queued, Prompts = [.. project.Prompts, prompt], UpdatedAt = prompt.At, Error = null };
        }, cancellationToken);

        return updated is null ? (PromptQueueing.NotFound, 0)
            : busy ? (PromptQueueing.Busy, 0)
            : (PromptQueueing.Queued, updated.Prompts.Count);
    }
}
