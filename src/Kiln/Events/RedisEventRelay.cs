using System.Text.Json;
using System.Threading.Channels;
using StackExchange.Redis;

namespace Kiln.Events;

/// <summary>
/// With the Redis store, brings what other instances store to this instance's subscribers: every stored event
/// and every deletion is announced on one channel (<see cref="RedisNotice"/>), and this relays each to the
/// <see cref="EventLog"/>, which skips what it has published already and fills gaps from the store.
/// </summary>
/// <remarks>
/// A notice sent while this instance was not subscribed is lost, and the client's "connection restored" can come
/// before its subscription is really back. So a restore is followed by catch-ups from the store at once and twice
/// more a little later, and a slow sweep catches up every <see cref="SweepInterval"/> whatever happened: reading
/// from each live subscriber's last seq is usually an empty range.
/// </remarks>
public sealed partial class RedisEventRelay(
    IConnectionMultiplexer redis, RedisEventKeys keys, EventLog events, TimeProvider time, ILogger<RedisEventRelay> logger)
    : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan[] AfterRestore = [TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)];

    // A restored connection may have missed notices; one pending catch-up covers any number of restores.
    private readonly Channel<bool> _restored = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private ChannelMessageQueue? _notices;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribed before Kiln serves anything: a subscriber's replay then never misses an event stored after it.
        _notices = await redis.GetSubscriber().SubscribeAsync(keys.Notices).WaitAsync(cancellationToken);
        // One at a time, in the order Redis sent them (which is seq order per project).
        _notices.OnMessage(Relay);
        redis.ConnectionRestored += OnConnectionRestored;
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored -= OnConnectionRestored;
        if (_notices is not null)
        {
            try
            {
                await _notices.UnsubscribeAsync().WaitAsync(cancellationToken);
            }
            catch (RedisException exception)
            {
                // Redis is gone already; closing the connection ends the subscription anyway.
                LogUnsubscribeFailed(logger, exception);
            }
        }

        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sweep = Task.Run(() => SweepAsync(stoppingToken), stoppingToken);
        await foreach (var _ in _restored.Reader.ReadAllAsync(stoppingToken))
        {
            foreach (var delay in AfterRestore)
            {
                await Task.Delay(delay, time, stoppingToken);
                if (await TryCatchUpAsync(stoppingToken))
                {
                    LogCaughtUp(logger);
                }
            }
        }

        await sweep;
    }

    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await TryCatchUpAsync(stoppingToken);
        }
    }

    private async Task<bool> TryCatchUpAsync(CancellationToken stoppingToken)
    {
        try
        {
            await events.CatchUpAsync(stoppingToken);
            return true;
        }
        catch (RedisException exception)
        {
            // Lost again; the next restore or sweep tries again.
            LogCatchUpFailed(logger, exception);
            return false;
        }
    }

    private void Relay(ChannelMessage message)
    {
        RedisNotice? notice;
        try
        {
            notice = RedisNotice.Parse(message.Message!);
        }
        catch (JsonException exception)
        {
            LogMalformed(logger, exception);
            return;
        }

        switch (notice)
        {
            case { Event: { } stored }:
                events.Deliver(stored);
                break;
            case { } deleted:
                events.Forget(deleted.ProjectId);
                break;
            default:
                LogMalformed(logger, null);
                break;
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Subscription)
        {
            _restored.Writer.TryWrite(true);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a notice on the Redis channel that Kiln did not write")]
    private static partial void LogMalformed(ILogger logger, Exception? exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not unsubscribe from Redis while stopping")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis subscription restored; subscribers caught up from the store")]
    private static partial void LogCaughtUp(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not catch subscribers up after the Redis subscription was restored")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception);
}
