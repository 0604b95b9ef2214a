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

/// <summary>Where a new project goes: here, or to another instance that its request is forwarded to.</summary>
public abstract record NewProjectPlacement(string ProjectId)
{
    public sealed record Here(string ProjectId) : NewProjectPlacement(ProjectId);

    public sealed record Elsewhere(string ProjectId, FleetInstance Owner) : NewProjectPlacement(ProjectId);
}

/// <summary>
/// Which instance owns a project: the one its <see cref="ProjectGrain"/> is active on. Asking the grain activates it
/// when nobody holds the project (on the least loaded instance: <see cref="LoadPlacementDirector"/>), so a project whose
/// owner died is taken over by a live instance as soon as one needs it. While the cluster has not yet declared a silo that
/// stopped answering dead, calls to its grains fail; the lookup tries again until <see cref="FleetOptions.OwnerLookupTimeout"/>,
/// on the cluster's clock (real time, whatever clock Kiln runs on).
/// Alone (SQLite) the one silo owns everything, by the same path.
/// </summary>
public sealed class ProjectOwnership(
    LocalProjects here,
    ThisInstance self,
    IGrainFactory grains,
    IProjectStore projects,
    [FromKeyedServices(TimeProviderNames.Membership)] TimeProvider time,
    IOptions<FleetOptions> options,
    IOptions<StoreOptions> store) : IProjectPlacement, IProjectStateHolder
{
    /// <summary>Names, on a request forwarded to create a project, the id its grain was placed with there.</summary>
    public const string NewProjectHeader = "Kiln-New-Project";

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    // The id placed here for the new project of the request being served, from the middleware to the intake below it.
    private readonly AsyncLocal<string?> _reserved = new();

    /// <summary>True with <c>Kiln:Store=redis</c>, where instances share projects.</summary>
    public bool IsShared { get; } = store.Value.Store == StoreKind.Redis;

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    /// <summary>
    /// Places the project that a request with no project id is about to create, before its endpoint runs: its grain
    /// is activated by load, and the request follows it. A request another instance forwarded here for that reason
    /// names the id it placed (<see cref="NewProjectHeader"/>), which is used when its grain is here and no such
    /// project exists yet. Null where there is no fleet, or for a forwarded request whose placement did not hold: the
    /// intake then takes a new id on this instance, as it did before placement weighed load.
    /// </summary>
    public async Task<NewProjectPlacement?> PlaceNewAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsShared)
        {
            return null;
        }

        if (OwnerForwarder.WasForwarded(request))
        {
            // Never forwarded twice: a placement that did not hold (the grain went meanwhile) is made here instead.
            var placed = request.Headers[NewProjectHeader].ToString();
            return ProjectIds.IsValid(placed) && here.Contains(placed) && await projects.GetAsync(placed, cancellationToken) is null
                ? new NewProjectPlacement.Here(placed)
                : null;
        }

        var projectId = ProjectIds.New();
        var owner = await Grain(projectId).OwnerAsync().WaitAsync(cancellationToken);
        return owner.Id == self.Id ? new NewProjectPlacement.Here(projectId) : new NewProjectPlacement.Elsewhere(projectId, owner);
    }

    /// <summary>Runs <paramref name="next"/> with <paramref name="projectId"/> as the id <see cref="NewProjectId"/> gives.</summary>
    public async Task WithNewProjectAsync(string projectId, Func<Task> next)
    {
        _reserved.Value = projectId;
        try
        {
            await next();
        }
        finally
        {
            _reserved.Value = null;
        }
    }

    /// <inheritdoc/>
    public string NewProjectId() => _reserved.Value ?? ProjectIds.New();

    /// <summary>
    /// Takes a project this instance is creating, before it is stored: its grain is activated here (already, when the
    /// request was placed by load; else on this instance, as a creation outside an HTTP request cannot be forwarded).
    /// </summary>
    public async Task ClaimNewAsync(string projectId, CancellationToken cancellationToken)
    {
        if (here.Contains(projectId))
        {
            return;
        }

        FleetInstance owner;
        RequestContext.Set(LoadPlacement.HereKey, true);
        try
        {
            owner = await Grain(projectId).OwnerAsync().WaitAsync(cancellationToken);
        }
        finally
        {
            RequestContext.Remove(LoadPlacement.HereKey);
        }

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
