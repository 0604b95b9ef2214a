using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Kiln.Fleet;

/// <summary>
/// Publishes this instance's load every <see cref="FleetOptions.LoadPublishInterval"/>, and at once when its shutdown
/// begins, so the others stop sending it new projects before the cluster sees it leave; its last figures (draining)
/// stand for <see cref="DrainingExpiry"/> past its stop.
/// </summary>
public sealed class LoadPublisher(
    LoadBoard board,
    IHostApplicationLifetime lifetime,
    IOptions<FleetOptions> options,
    [FromKeyedServices(TimeProviderNames.Membership)] TimeProvider time,
    ILogger<LoadPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan DrainingExpiry = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        while (!stoppingToken.IsCancellationRequested)
        {
            await PublishAsync(expiry: null);
            try
            {
                // Woken early once, when stopping begins, to say "draining" at once; then on the interval until stopped.
                await Task.Delay(options.Value.LoadPublishInterval, time, lifetime.ApplicationStopping.IsCancellationRequested ? stoppingToken : wake.Token);
            }
            catch (OperationCanceledException)
            {
                // Stopping began, or this service stops.
            }
        }

        await PublishAsync(DrainingExpiry);
    }

    private async Task PublishAsync(TimeSpan? expiry)
    {
        try
        {
            await board.PublishAsync(expiry);
        }
        catch (RedisException exception)
        {
            // The figures expire; the others place as if this instance had none until Redis answers again.
            logger.LoadPublishFailed(exception);
        }
    }
}
