namespace Kiln.Projects;

/// <summary>
/// Project metadata. SQLite is the default backend; a Redis backend serves several instances (DESIGN.md
/// section 10), hence the seam. Each project's events are the event store's (<c>Kiln.Events.IEventStore</c>), in the same database.
/// </summary>
public interface IProjectStore
{
    Task CreateAsync(Project project, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new project unless the store already holds <paramref name="maxProjects"/>: false then, and nothing is
    /// stored. The count and the write are one atomic step, so concurrent creations (on any instance) cannot overshoot.
    /// </summary>
    Task<bool> CreateWithinAsync(Project project, int maxProjects, CancellationToken cancellationToken);

    /// <summary>How many projects the store holds.</summary>
    Task<int> CountAsync(CancellationToken cancellationToken);

    Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>All projects, newest first.</summary>
    Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads, changes and writes a project atomically. Returns the stored result, or null when the project
    /// does not exist. Fenced: throws <see cref="OwnershipLostException"/>, writing nothing, when a newer epoch than this
    /// process holds for the project exists. <paramref name="change"/> may return its input unchanged to write nothing. A store may
    /// run <paramref name="change"/> more than once (Redis does when another writer got there first): only the
    /// last run's result is stored, so whatever it records outside its result must be set on every run.
    /// </summary>
    Task<Project?> UpdateAsync(string projectId, Func<Project, Project> change, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a new tenure of the project (its grain was activated): the next epoch, above every earlier one. From then on
    /// the store refuses a write carrying an older epoch (see <see cref="ProjectFence"/>).
    /// </summary>
    Task<long> TakeEpochAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Removes the project's record (and its epoch). False when there was none.</summary>
    Task<bool> DeleteAsync(string projectId, CancellationToken cancellationToken);
}
