using Kiln.Agents;
using Kiln.Events;
using Kiln.Preview;

namespace Kiln.Operations;

/// <summary>
/// The observable instruments: read when metrics are collected, from the services that own the numbers. Created at
/// start rather than by <see cref="KilnMetrics"/> itself, which those services depend on.
/// </summary>
public sealed class LoadGauges(KilnMetrics metrics, GenerationScheduler scheduler, DevServerSupervisor devServers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Meter.CreateObservableGauge("kiln.generations.queued", () => scheduler.QueuedCount, "{generation}", "Generations waiting for a worker.");
        metrics.Meter.CreateObservableGauge("kiln.generations.running", () => scheduler.RunningCount, "{generation}", "Generations running now.");
        metrics.Meter.CreateObservableGauge("kiln.dev_servers.running", () => devServers.RunningCount, "{server}", "Dev servers running now.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
