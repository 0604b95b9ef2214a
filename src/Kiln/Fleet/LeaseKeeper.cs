using Kiln.Agents;
using Kiln.Preview;
using Kiln.Projects;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Kiln.Fleet;

/// <summary>
/// Keeps this instance's leases alive and watches everyone else's. Every third of the lease's duration it renews
/// what it holds; a lease it finds lost (expired while Redis or this process stalled, or taken) stops that
/// project's work here, so two instances never work on one project. Then it sweeps: a generation queued or
/// running in the store whose project has no lease belonged to an instance that died, and is marked interrupted.
/// When Kiln stops, after its generations have stopped, the leases are given back so others may take them at once.
/// </summary>
public sealed class LeaseKeeper(
    ProjectOwnership ownership,
    ProjectLeases leases,
    ThisInstance self,
    IProjectStore store,
    OrphanedGenerations orphans,
    GenerationScheduler scheduler,
    DevServerSupervisor devServers,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    IOptions<FleetOptions> options,
    ILogger<LeaseKeeper> logger) : BackgroundService
{
    private readonly FleetOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.Joined(self.Id, _options.LeaseDuration);
        // Registered here, not in StopAsync: the generations are stopped (and recorded as interrupted) by then.
        using var release = lifetime.ApplicationStopped.Register(ReleaseAll);
        using var timer = new PeriodicTimer(_options.RenewInterval, time);
        try
        {
            do
            {
                try
                {
                    await RenewAsync(stoppingToken);
                    await SweepAsync(stoppingToken);
                }
                catch (RedisException exception)
                {
                    logger.RedisUnavailable(_options.RenewInterval, exception);
                }

                foreach (var projectId in ownership.Stale)
                {
                    await LoseAsync(projectId, "not renewed within the lease's duration", stoppingToken);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var held = ownership.Held;
        if (held.Count == 0)
        {
            return;
        }

        var sent = time.GetTimestamp();
        var lost = await leases.RenewAsync(held, self.Instance, _options.LeaseDuration, cancellationToken);
        ownership.Renewed(held.Except(lost, StringComparer.Ordinal), sent);
        foreach (var projectId in lost)
        {
            await LoseAsync(projectId, "it expired or another instance holds it", cancellationToken);
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var busy = (await store.ListAsync(cancellationToken))
            .Where(project => project.Status.IsBusy() && !ownership.HoldsFresh(project.Id))
            .Select(project => project.Id)
            .ToList();
        if (busy.Count == 0)
        {
            return;
        }

        var held = await leases.HeldAsync(busy, cancellationToken);
        foreach (var projectId in busy.Where(id => !held.Contains(id)))
        {
            await orphans.InterruptAsync(projectId, cancellationToken);
        }
    }

    private async Task LoseAsync(string projectId, string why, CancellationToken cancellationToken)
    {
        if (!ownership.Forget(projectId))
        {
            return;
        }

        using (ProjectLogScope.Begin(logger, projectId))
        {
            logger.LeaseLost(why);
        }

        try
        {
            await scheduler.CancelAsync(projectId, "This Kiln instance lost the project to another one. Send the prompt again to continue.", cancellationToken);
        }
        catch (RedisException exception)
        {
            // The store is Redis too: the generation is still stopped below when its turn comes to record it.
            logger.RedisUnavailable(_options.RenewInterval, exception);
        }

        await devServers.ForgetAsync(projectId);
    }

    private void ReleaseAll()
    {
        var held = ownership.Held;
        if (held.Count == 0)
        {
            return;
        }

        try
        {
            leases.Release(held, self.Instance);
            logger.Released(held.Count);
        }
        catch (RedisException exception)
        {
            // They expire by themselves within the lease's duration.
            logger.RedisUnavailable(_options.RenewInterval, exception);
        }
    }
}
