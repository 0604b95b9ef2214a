namespace Kiln.Fleet;

/// <summary>The fleet's log lines. A project's id, where there is one, comes from the logging scope.</summary>
internal static partial class FleetLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Joined the fleet as {InstanceId}; leases last {LeaseDuration}")]
    public static partial void Joined(this ILogger logger, string instanceId, TimeSpan leaseDuration);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Took over the project: nobody held its lease and its directory is here")]
    public static partial void Adopted(this ILogger logger);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Lost the project's lease ({Why}); stopping its work here")]
    public static partial void LeaseLost(this ILogger logger, string why);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Marked the generation interrupted: its owner's lease ran out")]
    public static partial void Interrupted(this ILogger logger);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "Redis did not answer the lease keeper; trying again in {Interval}")]
    public static partial void RedisUnavailable(this ILogger logger, TimeSpan interval, Exception exception);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "Forwarding {Method} {Path} to {InstanceId} at {Url} failed: {Error}")]
    public static partial void ForwardFailed(this ILogger logger, string method, string path, string instanceId, Uri url, string error, Exception? exception);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "Released {Count} leases on the way out")]
    public static partial void Released(this ILogger logger, int count);
}
