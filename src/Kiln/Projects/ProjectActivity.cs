using System.Collections.Concurrent;

namespace Kiln.Projects;

/// <summary>
/// When each project was last used: a preview request, an event stream opened for it, a tool call (from its agent or
/// any MCP client). Kept in memory, so a busy preview costs no store write per request; the cleanup policy writes it
/// down as the project's <see cref="Project.LastUsedAt"/> before it decides anything. A project with a tool call
/// running is in use (<see cref="IsInUse"/>), however long the call takes, and the cleanup never removes it.
/// </summary>
public sealed class ProjectActivity(TimeProvider time) : IProjectStateHolder
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastUsed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _inUse = new(StringComparer.Ordinal);

    public void Touch(string projectId) => _lastUsed[projectId] = time.GetUtcNow();

    /// <summary>Marks the project in use until the returned lease is disposed (a tool call); its start and end are uses.</summary>
    public Use BeginUse(string projectId)
    {
        _inUse.AddOrUpdate(projectId, 1, static (_, count) => count + 1);
        Touch(projectId);
        return new Use(this, projectId);
    }

    /// <summary>Whether a tool call of the project is running now.</summary>
    public bool IsInUse(string projectId) => _inUse.TryGetValue(projectId, out var count) && count > 0;

    private void EndUse(string projectId)
    {
        Touch(projectId);
        if (_inUse.AddOrUpdate(projectId, 0, static (_, count) => count - 1) <= 0)
        {
            _inUse.TryRemove(KeyValuePair.Create(projectId, 0));
        }
    }

    /// <summary>A use of a project in progress; disposing it ends the use.</summary>
    public sealed class Use(ProjectActivity activity, string projectId) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                activity.EndUse(projectId);
            }
        }
    }

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
