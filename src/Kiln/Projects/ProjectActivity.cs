using System.Collections.Concurrent;

namespace Kiln.Projects;

/// <summary>
/// When each project was last looked at: a preview request or an event stream opened for it. Kept in memory, so
/// a busy preview costs no store write per request; the cleanup policy writes it down as the project's
/// <see cref="Project.LastUsedAt"/> before it decides anything.
/// </summary>
public sealed class ProjectActivity(TimeProvider time) : IProjectStateHolder
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastUsed = new(StringComparer.Ordinal);

    public void Touch(string projectId) => _lastUsed[projectId] = time.GetUtcNow();

    public DateTimeOffset? LastUsed(string projectId) => _lastUsed.TryGetValue(projectId, out var at) ? at : null;

    /// <summary>Every project touched since the process started, with when.</summary>
    public IReadOnlyCollection<KeyValuePair<string, DateTimeOffset>> Snapshot() => _lastUsed.ToArray();

    public void Forget(string projectId) => _lastUsed.TryRemove(projectId, out _);

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        Forget(projectId);
        return ValueTask.CompletedTask;
    }

    /// <summary>The last use of a project: its last prompt or generation, or its last visit, whichever is later.</summary>
    public DateTimeOffset LastUsed(Project project)
    {
        var last = project.UpdatedAt;
        if (project.LastUsedAt > last)
        {
            last = project.LastUsedAt.Value;
        }

        return LastUsed(project.Id) is { } seen && seen > last ? seen : last;
    }
}
