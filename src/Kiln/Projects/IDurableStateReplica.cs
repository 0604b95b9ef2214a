namespace Kiln.Projects;

/// <summary>
/// A copy of projects' durable files kept off this instance's disk (the fleet's replica, DESIGN.md section 10), told
/// each time they change here: a version, a release published, activated or taken down, the git settings. Projects
/// defines it so that Versions and Sites tell it through <see cref="DurableState"/> without knowing who keeps it.
/// </summary>
public interface IDurableStateReplica
{
    /// <summary>The project's durable files changed on this disk; returns once the replica holds them (or could not).</summary>
    Task ChangedAsync(string projectId, CancellationToken cancellationToken);
}

/// <summary>Where the pieces that change a project's durable files say so; every registered replica hears it (none alone).</summary>
public sealed class DurableState(IEnumerable<IDurableStateReplica> replicas)
{
    private readonly IDurableStateReplica[] _replicas = [.. replicas];

    public async Task ChangedAsync(string projectId, CancellationToken cancellationToken)
    {
        foreach (var replica in _replicas)
        {
            await replica.ChangedAsync(projectId, cancellationToken);
        }
    }
}
