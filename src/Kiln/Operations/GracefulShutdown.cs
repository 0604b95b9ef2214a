using Kiln.Agents;
using Kiln.Api;
using Kiln.Preview;
using Microsoft.Extensions.Options;

namespace Kiln.Operations;

/// <summary>
/// What SIGTERM does, in order, before any service stops and while Kestrel still answers: stop taking generations
/// (503 with Retry-After, <c>/readyz</c> unhealthy), let running ones finish for up to <c>Kiln:ShutdownTimeout</c>,
/// mark the rest <c>interrupted</c> with their events, stop every dev server, then run the
/// <see cref="IShutdownHook"/>s (lease release). It runs in <see cref="StoppingAsync"/>, which the host calls
/// before it stops any hosted service, Kestrel included.
/// </summary>
public sealed partial class GracefulShutdown(
    InstanceDrain drain,
    GenerationScheduler scheduler,
    DevServerSupervisor devServers,
    IEnumerable<IShutdownHook> hooks,
    IOptions<ShutdownOptions> options,
    TimeProvider time,
    ILogger<GracefulShutdown> logger) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await DrainAsync(cancellationToken);
        }
        finally
        {
            drain.End();
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        drain.Begin();
        scheduler.StopTakingWork();
        var timeout = options.Value.ShutdownTimeout;
        if (scheduler.RunningCount > 0)
        {
            LogDraining(logger, scheduler.RunningCount, scheduler.QueuedCount, timeout);
        }

        try
        {
            await scheduler.WhenIdleAsync.WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException) when (scheduler.RunningCount > 0)
        {
            LogInterrupting(logger, scheduler.RunningCount, timeout);
        }
        catch (TimeoutException)
        {
            // Nothing runs; the workers are only noticing the drain.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's own timeout ran out first: interrupt at once.
        }

        await scheduler.InterruptAsync(cancellationToken);
        await devServers.StopAsync(cancellationToken);
        foreach (var hook in hooks)
        {
            await hook.OnDrainedAsync(cancellationToken);
        }

        LogDrained(logger);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        drain.End();
        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: {Running} generations may run up to {Timeout} to finish; {Queued} queued will not start")]
    private static partial void LogDraining(ILogger logger, int running, int queued, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: {Running} generations did not finish within {Timeout}; they are marked interrupted")]
    private static partial void LogInterrupting(ILogger logger, int running, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained: no generation runs and no dev server is left")]
    private static partial void LogDrained(ILogger logger);
}
