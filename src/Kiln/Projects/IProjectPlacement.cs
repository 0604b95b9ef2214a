namespace Kiln.Projects;

/// <summary>
/// Which projects this instance acts on. Alone (<see cref="SingleInstancePlacement"/>) it owns every project; in a
/// fleet the edge (Kiln.Fleet) registers its own, and a project belongs to one instance at a time. A seam with two
/// implementations, so that no piece below the edge knows there is a fleet.
/// </summary>
public interface IProjectPlacement
{
    /// <summary>
    /// True when other instances share the store, and so its projects: a project that is busy in the store may be
    /// generating on another instance right now.
    /// </summary>
    bool IsShared { get; }

    /// <summary>
    /// The id of a project this instance is about to create: in a fleet, the one already placed here for the request
    /// being served (a new project goes to the least loaded instance, and its request with it), else a new one.
    /// </summary>
    string NewProjectId();

    /// <summary>Takes a project this instance is creating, before it is stored, so no other instance acts on it.</summary>
    Task ClaimNewAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>True when this instance owns the project, or takes it over now because no live instance does.</summary>
    Task<bool> IsOwnedHereAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>
    /// The id of the instance that owns the project, which, like <see cref="IsOwnedHereAsync"/>, takes it over now if no
    /// live instance does; null when Kiln runs alone without a fleet or no instance can be reached.
    /// </summary>
    Task<string?> OwnerAsync(string projectId, CancellationToken cancellationToken);
}

/// <summary>One Kiln alone: every project is its own.</summary>
public sealed class SingleInstancePlacement : IProjectPlacement
{
    public bool IsShared => false;

    public string NewProjectId() => ProjectIds.New();

    public Task ClaimNewAsync(string projectId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> IsOwnedHereAsync(string projectId, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<string?> OwnerAsync(string projectId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
