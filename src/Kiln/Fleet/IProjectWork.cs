namespace Kiln.Fleet;

/// <summary>
/// What a <see cref="ProjectGrain"/> does with the project it owns: Kiln's generations and dev servers
/// (<see cref="ProjectWork"/>), or, in the grain's own tests, real child processes standing in for them.
/// </summary>
public interface IProjectWork
{
    /// <summary>
    /// The project was just taken here: whatever the store says is still running belonged to an owner that is gone.
    /// Returns a token cancelled when this tenure is lost: a newer owner's epoch refused one of its writes (see <see cref="Kiln.Projects.ProjectFence"/>).
    /// </summary>
    Task<CancellationToken> AdoptAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>True while the project has a generation queued or running, or a dev server up: it must stay here.</summary>
    Task<bool> IsBusyAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Stops the project's generation and dev server here and ends its tenure; <paramref name="reason"/> is what its timeline says.</summary>
    Task StopAsync(string projectId, string reason, CancellationToken cancellationToken);
}
