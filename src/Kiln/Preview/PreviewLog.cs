using Kiln.Events;

namespace Kiln.Preview;

/// <summary>The preview's log lines. The project id comes from the logging scope.</summary>
internal static partial class PreviewLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Starting the dev server: {Command} on port {Port} (pid {Pid})")]
    public static partial void DevServerStarting(this ILogger logger, string command, int port, int pid);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "The dev server on port {Port} answers after {Elapsed}")]
    public static partial void DevServerReady(this ILogger logger, int port, TimeSpan elapsed);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "The dev server did not start: {Failure}")]
    public static partial void DevServerStartFailed(this ILogger logger, string failure);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "The dev server crashed with exit code {ExitCode}; restarting: {Restarting}")]
    public static partial void DevServerCrashed(this ILogger logger, int exitCode, bool restarting);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Stopped the dev server on port {Port} ({Reason})")]
    public static partial void DevServerStopped(this ILogger logger, int port, DevServerStopReason reason);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Evicting the least recently used dev server, project {Victim}'s, to make room for this one")]
    public static partial void Evicting(this ILogger logger, string victim);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "Port {Port} was taken by another program; trying another one")]
    public static partial void PortTaken(this ILogger logger, int port);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Killed {Count} processes of dev servers left running by a previous Kiln")]
    public static partial void LeftoversKilled(this ILogger logger, int count);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "Stopping {Count} dev servers")]
    public static partial void StoppingAllDevServers(this ILogger logger, int count);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Proxying {Method} {Path} to the dev server on port {Port} failed: {Error}")]
    public static partial void ForwardFailed(this ILogger logger, string method, string path, int port, string error, Exception? exception);
}
