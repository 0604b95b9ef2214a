namespace Kiln.Events;

/// <summary>
/// Each project's event log, in the same database as its record: SQLite by default, Redis for several instances
/// (DESIGN.md section 10), hence the seam.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Stores an event under the next sequence number of its project (1, 2, 3… with no gap). Fenced: throws
    /// <see cref="Kiln.Projects.OwnershipLostException"/>, storing nothing, when a newer epoch than this process holds exists.
    /// </summary>
    Task<ProjectEvent> AppendAsync(string projectId, string type, DateTimeOffset at, string dataJson, CancellationToken cancellationToken);

    /// <summary>The stored events of a project with a sequence number above <paramref name="afterSeq"/>, in order.</summary>
    IAsyncEnumerable<ProjectEvent> ReadAsync(string projectId, long afterSeq, CancellationToken cancellationToken);

    /// <summary>The sequence number of the project's newest stored event; 0 when it has none.</summary>
    Task<long> LastSeqAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Removes a deleted project's events, and tells every instance sharing the store that it is gone.</summary>
    Task DeleteAsync(string projectId, CancellationToken cancellationToken);
}
