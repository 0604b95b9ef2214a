namespace Kiln.Fleet;

/// <summary>The fleet's log lines. A project's id, where there is one, comes from the logging scope.</summary>
internal static partial class FleetLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Joined the cluster {ClusterId} as {InstanceId} (silo {SiloAddress})")]
    public static partial void Joined(this ILogger logger, string clusterId, string instanceId, string siloAddress);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Took the project on instance {InstanceId}")]
    public static partial void Took(this ILogger logger, string instanceId);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Gave the project up ({Reason}: {Description}); its work here stops")]
    public static partial void Gave(this ILogger logger, DeactivationReasonCode reason, string description);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Marked the generation interrupted: its owner left the cluster")]
    public static partial void Interrupted(this ILogger logger);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Instance {InstanceId} left the cluster; waking the busy projects it may have owned")]
    public static partial void SiloDied(this ILogger logger, string instanceId);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "Forwarding {Method} {Path} to {InstanceId} at {Url} failed: {Error}")]
    public static partial void ForwardFailed(this ILogger logger, string method, string path, string instanceId, Uri url, string error, Exception? exception);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Warning, Message = "Could not wake project {ProjectId} after an instance left the cluster")]
    public static partial void WakeFailed(this ILogger logger, string projectId, Exception exception);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Warning, Message = "Could not publish this instance's load for placement")]
    public static partial void LoadPublishFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning, Message = "Could not read the fleet's load; placing the project on the instance that asked")]
    public static partial void LoadReadFailed(this ILogger logger, Exception exception);
}
