using System.Collections.Concurrent;

namespace Kiln.Fleet;

/// <summary>
/// The projects whose <see cref="ProjectGrain"/> is active on this instance, so that a request for one of them is
/// served here without asking the cluster. Only the grain adds and removes.
/// </summary>
public sealed class LocalProjects
{
    private readonly ConcurrentDictionary<string, byte> _owned = new(StringComparer.Ordinal);

    public bool Contains(string projectId) => _owned.ContainsKey(projectId);

    public int Count => _owned.Count;

    internal void Add(string projectId) => _owned[projectId] = 0;

    internal void Remove(string projectId) => _owned.TryRemove(projectId, out _);
}
