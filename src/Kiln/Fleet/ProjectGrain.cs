using Kiln.Projects;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Kiln.Fleet;

/// <summary>
/// A project's activation, the one place its work runs. Activating it (on the least loaded instance:
/// <see cref="LoadPlacementAttribute"/>) takes the project over, and a generation its last owner left running is marked
/// interrupted; deactivating it stops the project's generation and dev server here. Orleans collects an activation
/// nobody called for a while, but never this one while the project is busy: a timer keeps it while a generation is
/// queued or running or its dev server is up.
/// </summary>
[LoadPlacement]
public sealed class ProjectGrain(
    LocalProjects here, ThisInstance self, IProjectWork work, IOptions<GrainCollectionOptions> collection, ILogger<ProjectGrain> logger)
    : Grain, IProjectGrain
{
    private string ProjectId => this.GetPrimaryKeyString();

    private TimeSpan CollectionAge =>
        collection.Value.ClassSpecificCollectionAge.TryGetValue(typeof(ProjectGrain).FullName!, out var age) ? age : collection.Value.CollectionAge;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        here.Add(ProjectId);
        using (ProjectLogScope.Begin(logger, ProjectId))
        {
            logger.Took(self.Id);
        }

        var lost = await work.AdoptAsync(ProjectId, cancellationToken);
        // A newer activation elsewhere refused one of this one's writes (this instance was paused or cut off): go at once.
        lost.Register(() => GrainContext.Scheduler.QueueAction(GiveUpLost));

        // Checked several times per collection age, so a busy project never reaches it.
        var check = CollectionAge / 4;
        this.RegisterGrainTimer(KeepWhileBusyAsync, new GrainTimerCreationOptions(check, check) { Interleave = true });
    }

    public Task<FleetInstance> OwnerAsync() => Task.FromResult(self.Instance);

    public Task ReleaseAsync()
    {
        this.DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        using (ProjectLogScope.Begin(logger, ProjectId))
        {
            logger.Gave(reason.ReasonCode, reason.Description);
        }

        try
        {
            await work.StopAsync(
                ProjectId,
                $"This Kiln instance gave the project up ({reason.ReasonCode}). Send the prompt again to continue.",
                cancellationToken);
        }
        finally
        {
            here.Remove(ProjectId);
        }
    }

    private void GiveUpLost()
    {
        using (ProjectLogScope.Begin(logger, ProjectId))
        {
            logger.Fenced();
        }

        GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "Another instance took the project over (its epoch is newer)."));
    }

    private async Task KeepWhileBusyAsync(CancellationToken cancellationToken)
    {
        if (await work.IsBusyAsync(ProjectId, cancellationToken))
        {
            this.DelayDeactivation(CollectionAge);
        }
    }
}
