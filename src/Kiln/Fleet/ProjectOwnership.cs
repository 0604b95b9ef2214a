using System.Collections.Concurrent;
using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Fleet;

/// <summary>Where a request about a project must be served.</summary>
public abstract record OwnerLookup
{
    /// <summary>This instance owns the project (or Kiln runs alone): serve it here.</summary>
    public sealed record Here : OwnerLookup;

    /// <summary>Another live instance owns it: forward the request there.</summary>
    public sealed record Elsewhere(FleetInstance Owner) : OwnerLookup;

    /// <summary>Nobody can serve it now; the reason says what to do.</summary>
    public sealed record Unavailable(string Reason) : OwnerLookup;

    public static readonly OwnerLookup HereNow = new Here();
}

/// <summary>
/// Which projects this instance owns, and who owns the others. A project belongs to the instance that created
/// it, through a lease in Redis that <see cref="LeaseKeeper"/> renews; a project nobody holds is taken over by
/// the next instance that needs it and has its directory (a shared <c>Kiln:ProjectsRoot</c>). Alone (SQLite),
/// Kiln owns everything and this class does nothing.
/// </summary>
public sealed class ProjectOwnership(
    ThisInstance self,
    ProjectWorkspace workspace,
    IProjectStore store,
    OrphanedGenerations orphans,
    TimeProvider time,
    IOptions<FleetOptions> options,
    ILogger<ProjectOwnership> logger,
    ProjectLeases? leases = null) : IProjectPlacement, IProjectStateHolder
{
    // Project id → when the last claim or renewal that succeeded was sent. Redis started its expiry later than
    // that, so "held" measured from here never outlives the real lease.
    private readonly ConcurrentDictionary<string, long> _held = new(StringComparer.Ordinal);
    private readonly TimeSpan _duration = options.Value.LeaseDuration;

    /// <summary>True with <c>Kiln:Store=redis</c>, where instances share projects.</summary>
    public bool Enabled => leases is not null;

    bool IProjectPlacement.IsShared => Enabled;

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    /// <summary>The projects whose leases this instance holds, as far as it knows.</summary>
    public IReadOnlyList<string> Held => [.. _held.Keys];

    /// <summary>True when this instance holds the project's lease and renewed it within the lease's duration.</summary>
    public bool HoldsFresh(string projectId) => _held.TryGetValue(projectId, out var since) && time.GetElapsedTime(since) < _duration;

    /// <summary>Projects held but not renewed within the lease's duration: another instance may have them by now.</summary>
    public IReadOnlyList<string> Stale => [.. _held.Where(held => time.GetElapsedTime(held.Value) >= _duration).Select(held => held.Key)];

    /// <summary>Takes the lease of a project this instance is creating, before it is stored, so no sweeper sees it unowned.</summary>
    public async Task ClaimNewAsync(string projectId, CancellationToken cancellationToken)
    {
        if (leases is null)
        {
            return;
        }

        var sent = time.GetTimestamp();
        if (await leases.ClaimAsync(projectId, self.Instance, _duration, cancellationToken) is { } holder)
        {
            throw new InvalidOperationException($"The new project id {projectId} is already leased by {holder.Id}.");
        }

        _held[projectId] = sent;
    }

    /// <summary>
    /// Who serves a request about <paramref name="projectId"/>. <paramref name="forwarded"/> is true for a request
    /// another instance sent here as the owner: it is never forwarded again, so a lease that moved meanwhile cannot loop it.
    /// </summary>
    public async Task<OwnerLookup> FindAsync(string projectId, bool forwarded, CancellationToken cancellationToken)
    {
        if (leases is null || HoldsFresh(projectId))
        {
            return OwnerLookup.HereNow;
        }

        var me = self.Instance;
        var owner = await leases.OwnerAsync(projectId, cancellationToken);
        if (owner is null && !Directory.Exists(workspace.ProjectDirectory(projectId)))
        {
            // Not on this disk: an unknown project (its endpoint answers 404), or files only a dead instance had.
            return await store.GetAsync(projectId, cancellationToken) is null
                ? OwnerLookup.HereNow
                : new OwnerLookup.Unavailable(
                    $"No live instance owns project '{projectId}' and its directory is not under this instance's Kiln:ProjectsRoot. " +
                    "Start the instance that has its files again, or share Kiln:ProjectsRoot between the instances (README: Running a fleet).");
        }

        if (owner is null || owner.LeaseValue == me.LeaseValue)
        {
            var wasFree = owner is null;
            var sent = time.GetTimestamp();
            owner = await leases.ClaimAsync(projectId, me, _duration, cancellationToken);
            if (owner is null)
            {
                _held[projectId] = sent;
                if (wasFree)
                {
                    using (ProjectLogScope.Begin(logger, projectId))
                    {
                        logger.Adopted();
                    }

                    // Its last owner died while generating and no sweeper has said so yet: say it before going on.
                    await orphans.InterruptAsync(projectId, cancellationToken);
                }

                return OwnerLookup.HereNow;
            }
        }

        return forwarded
            ? new OwnerLookup.Unavailable($"Project '{projectId}' moved to instance {owner.Id} while this request was on its way. Send it again.")
            : new OwnerLookup.Elsewhere(owner);
    }

    /// <inheritdoc/>
    public async Task<bool> IsOwnedHereAsync(string projectId, CancellationToken cancellationToken) =>
        await FindAsync(projectId, forwarded: false, cancellationToken) is OwnerLookup.Here;

    /// <summary>Records a renewal sent at <paramref name="sent"/> that kept these leases.</summary>
    public void Renewed(IEnumerable<string> projectIds, long sent)
    {
        foreach (var projectId in projectIds)
        {
            _held[projectId] = sent;
        }
    }

    /// <summary>Stops counting the project as held (its lease was lost, released or the project deleted).</summary>
    public bool Forget(string projectId) => _held.TryRemove(projectId, out _);

    /// <summary>Gives up a removed project: no longer renewed, and its lease released at once rather than left to expire.</summary>
    public void Release(string projectId)
    {
        if (Forget(projectId))
        {
            leases?.Release([projectId], self.Instance);
        }
    }

    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        Release(projectId);
        return ValueTask.CompletedTask;
    }
}
