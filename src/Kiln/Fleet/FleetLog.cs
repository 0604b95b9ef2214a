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

    [LoggerMessage(EventId = 7008, Level = LogLevel.Information, Message = "Replicated the project: {Versions} versions, bundle {BundleBytes} bytes, files {FilesBytes} bytes, in {Milliseconds} ms")]
    public static partial void Replicated(this ILogger logger, int versions, int bundleBytes, int filesBytes, long milliseconds);

    [LoggerMessage(EventId = 7009, Level = LogLevel.Warning, Message = "Could not replicate the project (the replica stays as it was; the work is kept on this disk): {Reason}")]
    public static partial void ReplicaNotWritten(this ILogger logger, string reason);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Information, Message = "Restored the project from its replica: {Versions} versions, replicated at {At}, in {Milliseconds} ms")]
    public static partial void RestoredReplica(this ILogger logger, int versions, DateTimeOffset at, long milliseconds);

    [LoggerMessage(EventId = 7014, Level = LogLevel.Warning, Message = "Could not restore the project from its replica; serving what this disk holds: {Reason}")]
    public static partial void ReplicaNotRestored(this ILogger logger, string reason);

    [LoggerMessage(EventId = 7015, Level = LogLevel.Warning, Message = "The restored project's preview did not come up (it starts on its next visit once its dependencies are installed): {Reason}")]
    public static partial void PreviewNotRestarted(this ILogger logger, string reason);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Warning, Message = "Could not publish this instance's load for placement")]
    public static partial void LoadPublishFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning, Message = "Could not read the fleet's load; placing the project on the instance that asked")]
    public static partial void LoadReadFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7016, Level = LogLevel.Warning, Message = "Another instance took the project over while this one held it: its write here was refused by the fence; stopping its work")]
    public static partial void Fenced(this ILogger logger);

    [LoggerMessage(EventId = 7017, Level = LogLevel.Warning, Message = "Killed {Count} processes (with their trees) of the project that its previous owner on this host left running (its pid files)")]
    public static partial void KilledLeftovers(this ILogger logger, int count);
}
