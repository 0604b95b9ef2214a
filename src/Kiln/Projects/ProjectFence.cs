using System.Collections.Concurrent;

namespace Kiln.Projects;

/// <summary>
/// The fence between a project's owners (issue 19). Each activation of a project takes the next epoch from the store
/// (<see cref="IProjectStore.TakeEpochAsync"/>) and holds it here for its tenure. Every write this process makes for
/// the project to shared state (its events, its record, its replicated files) carries the held epoch, and the store
/// refuses it, in the same atomic step as the write, once a newer epoch exists: another instance took the project over
/// while this one was paused or cut off. A refusal ends the tenure (<see cref="ProjectTenure.Lost"/>), and the owner
/// stops the project's work. Writes for a project this process holds no epoch for (creating one before its first
/// activation, a removal) carry none and are not fenced.
/// </summary>
public sealed class ProjectFence
{
    private readonly ConcurrentDictionary<string, ProjectTenure> _held = new(StringComparer.Ordinal);

    /// <summary>Starts holding <paramref name="epoch"/> for the project, in place of any tenure before it.</summary>
    public ProjectTenure Hold(string projectId, long epoch)
    {
        var tenure = new ProjectTenure(projectId, epoch);
        ProjectTenure? replaced = null;
        _held.AddOrUpdate(projectId, tenure, (_, previous) =>
        {
            replaced = previous;
            return tenure;
        });
        replaced?.Dispose();
        return tenure;
    }

    /// <summary>The epoch this process's writes for the project carry; null when it holds none.</summary>
    public long? EpochOf(string projectId) => _held.TryGetValue(projectId, out var tenure) ? tenure.Epoch : null;

    /// <summary>
    /// Ends the project's tenure here after its work stopped. A lost tenure stays held, so that whatever the stopped
    /// work still writes is refused too, until this process takes the project again.
    /// </summary>
    public void Release(string projectId)
    {
        if (_held.TryGetValue(projectId, out var tenure) && !tenure.IsLost && _held.TryRemove(KeyValuePair.Create(projectId, tenure)))
        {
            tenure.Dispose();
        }
    }

    /// <summary>A store refused a write carrying <paramref name="epoch"/>: the tenure is lost. Returns the exception the writer gets.</summary>
    public OwnershipLostException Refused(string projectId, long epoch)
    {
        if (_held.TryGetValue(projectId, out var tenure) && tenure.Epoch == epoch)
        {
            tenure.Lose();
        }

        return new OwnershipLostException(projectId, epoch);
    }
}
