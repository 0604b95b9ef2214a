using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Fleet;

/// <summary>Where a request about a project must be served.</summary>
public abstract record OwnerLookup
{
    /// <summary>This instance owns the project: serve it here.</summary>
    public sealed record Here : OwnerLookup;

    /// <summary>Another live instance owns it: forward the request there.</summary>
    public sealed record Elsewhere(FleetInstance Owner) : OwnerLookup;

    /// <summary>Nobody can serve it now; the reason says what to do.</summary>
    public sealed record Unavailable(string Reason) : OwnerLookup;

    public static readonly OwnerLookup HereNow = new Here();
}

/// <summary>
/// Which instance owns a project: the one its <see cref="ProjectGrain"/> is active on. Asking the grain activates it
/// when nobody holds the project (on this instance: it is placed where it is first called), so a project whose
/// owner died is taken over by the next instance that needs it. While the cluster has not yet declared a silo that
/// stopped answering dead, calls to its grains fail; the lookup tries again until <see cref="FleetOptions.OwnerLookupTimeout"/>,
/// on the cluster's clock (real time, whatever clock Kiln runs on).
/// Alone (SQLite) the one silo owns everything, by the same path.
/// </summary>
public sealed class ProjectOwnership(
    LocalProjects here,
    ThisInstance self,
    IGrainFactory grains,
    [FromKeyedServices(TimeProviderNames.Membership)] TimeProvider time,
    IOptions<FleetOptions> options,
    IOptions<StoreOptions> store) : IProjectPlacement, IProjectStateHolder
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>True with <c>Kiln:Store=redis</c>, where instances share projects.</summary>
    public bool IsShared { get; } = store.Value.Store == StoreKind.Redis;

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    /// <summary>Takes a project this instance is creating, before it is stored: its grain is activated here.</summary>
    public async Task ClaimNewAsync(string projectId, CancellationToken cancellationToken)
    {
        var owner = await Grain(projectId).OwnerAsync().WaitAsync(cancellationToken);
        if (owner.Id != self.Id)
        {
            throw new InvalidOperationException($"The new project id {projectId} is already owned by instance {owner.Id}.");
        }
    }

    /// <summary>
    /// Who serves a request about <paramref name="projectId"/>. <paramref name="forwarded"/> is true for a request
    /// another instance sent here as the owner: it is never forwarded again, so a project that moved meanwhile cannot loop it.
    /// </summary>
    public async Task<OwnerLookup> FindAsync(string projectId, bool forwarded, CancellationToken cancellationToken)
    {
        if (here.Contains(projectId))
        {
            return OwnerLookup.HereNow;
        }

        var timeout = options.Value.OwnerLookupTimeout;
        var started = time.GetTimestamp();
        while (true)
        {
            var left = timeout - time.GetElapsedTime(started);
            try
            {
                var owner = await Grain(projectId).OwnerAsync().WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, time, cancellationToken);
                if (owner.Id == self.Id)
                {
                    return OwnerLookup.HereNow;
                }

                return forwarded
                    ? new OwnerLookup.Unavailable($"Project '{projectId}' moved to instance {owner.Id} while this request was on its way. Send it again.")
                    : new OwnerLookup.Elsewhere(owner);
            }
            catch (Exception exception) when (exception is OrleansException or TimeoutException && time.GetElapsedTime(started) < timeout)
            {
                // Its owner stopped answering and the cluster has not declared it dead yet.
                await Task.Delay(RetryDelay, time, cancellationToken);
            }
            catch (Exception exception) when (exception is OrleansException or TimeoutException)
            {
                return new OwnerLookup.Unavailable(
                    $"The Kiln instance that owns project '{projectId}' stopped answering, and the cluster has not handed the project " +
                    $"to another instance within {timeout.TotalSeconds:0.#} s ({exception.Message}). Try again in a moment.");
            }
        }
    }

    /// <inheritdoc/>
    public async Task<bool> IsOwnedHereAsync(string projectId, CancellationToken cancellationToken) =>
        await FindAsync(projectId, forwarded: false, cancellationToken) is OwnerLookup.Here;

    /// <inheritdoc/>
    public async Task<string?> OwnerAsync(string projectId, CancellationToken cancellationToken) =>
        await FindAsync(projectId, forwarded: false, cancellationToken) switch
        {
            OwnerLookup.Here => self.Id,
            OwnerLookup.Elsewhere(var owner) => owner.Id,
            _ => null,
        };

    async ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        // Removed where it is owned (DELETE and the cleanup policy run on the owner): let the activation go at once.
        if (here.Contains(projectId))
        {
            await Grain(projectId).ReleaseAsync().WaitAsync(cancellationToken);
        }
    }

    private IProjectGrain Grain(string projectId) => grains.GetGrain<IProjectGrain>(projectId);
}
