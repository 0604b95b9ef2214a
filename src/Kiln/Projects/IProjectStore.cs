using Kiln.Events;

namespace Kiln.Projects;

/// <summary>
/// Project metadata and each project's event log. SQLite is the default backend; a Redis backend
/// serves several instances (DESIGN.md section 10), hence the seam.
/// </summary>
public interface IProjectStore
{
    Task CreateAsync(Project project, CancellationToken cancellationToken);

    Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>All projects, newest first.</summary>
    Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads, changes and writes a project atomically. Returns the stored result, or null when the project
    /// does not exist. <paramref name="change"/> may return its input unchanged to write nothing. A store may
    /// run <paramref name="change"/> more than once (Redis does when another writer got there first): only the
    /// last run's result is stored, so whatever it records outside its result must be set on every run.
    /// </summary>
    Task<Project?> UpdateAsync(string projectId, Func<Project, Project> change, CancellationToken cancellationToken);

    /// <summary>Removes the project and its events. False when there was none.</summary>
    Task<bool> DeleteAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Stores an event under the next sequence number of its project (1, 2, 3… with no gap).</summary>
    Task<ProjectEvent> AppendEventAsync(string projectId, string type, DateTimeOffset at, string dataJson, CancellationToken cancellationToken);

    /// <summary>The stored events of a project with a sequence number above <paramref name="afterSeq"/>, in order.</summary>
    IAsyncEnumerable<ProjectEvent> ReadEventsAsync(string projectId, long afterSeq, CancellationToken cancellationToken);

    /// <summary>The sequence number of the project's newest stored event; 0 when it has none.</summary>
    Task<long> LastEventSeqAsync(string projectId, CancellationToken cancellationToken);
}
