using Kiln.Projects;

namespace Kiln.Fleet;

/// <summary>
/// Takes over what a dead instance was running. When this instance joins, and whenever the cluster declares a silo
/// dead, it calls the grain of every project the store says is busy: a live owner just answers, and a project whose
/// owner is gone is activated on a live instance, which marks its generation interrupted (<see cref="ProjectGrain"/>),
/// so nobody waits on a generation that no longer runs. Every instance does this; the grain makes it happen once.
/// </summary>
public sealed class ClusterWatch(
    IClusterMembershipService membership, IProjectStore store, IGrainFactory grains, LocalProjects here, ILogger<ClusterWatch> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var dead = new HashSet<SiloAddress>();
        var first = true;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (!first)
                {
                    foreach (var member in newlyDead)
                    {
                        logger.SiloDied(member.Name);
                    }
                }

                if (first || newlyDead.Count > 0)
                {
                    first = false;
                    await WakeBusyProjectsAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task WakeBusyProjectsAsync(CancellationToken cancellationToken)
    {
        var busy = (await store.ListAsync(cancellationToken)).Where(p => p.Status.IsBusy() && !here.Contains(p.Id)).Select(p => p.Id);
        await Parallel.ForEachAsync(busy, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (projectId, token) =>
        {
            try
            {
                await grains.GetGrain<IProjectGrain>(projectId).OwnerAsync().WaitAsync(token);
            }
            catch (Exception exception) when (exception is OrleansException or TimeoutException)
            {
                // Another silo that is not yet declared dead: its own declaration wakes the project again.
                logger.WakeFailed(projectId, exception);
            }
        });
    }
}
