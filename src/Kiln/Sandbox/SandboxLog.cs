
namespace Kiln.Sandbox;

internal static partial class SandboxLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Sandbox ready: {Description}")]
    public static partial void SandboxReady(this ILogger logger, string description);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Sandbox degraded: {Description}")]
    public static partial void SandboxDegraded(this ILogger logger, string description);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Sandbox required but unavailable; every command will be refused: {Description}")]
    public static partial void SandboxRequiredButUnavailable(this ILogger logger, string description);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Started {Program} as pid {Pid} ({Isolation})")]
    public static partial void ProcessStarted(this ILogger logger, string program, int pid, Isolation isolation);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Pid {Pid} exited with {ExitCode} after {Duration}")]
    public static partial void ProcessExited(this ILogger logger, int pid, int exitCode, TimeSpan duration);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Pid {Pid} ran past its {Timeout} limit; its process tree was killed")]
    public static partial void ProcessTimedOut(this ILogger logger, int pid, TimeSpan timeout);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Killed {Count} processes of pid {Pid} that had left its process group")]
    public static partial void StrayProcessesKilled(this ILogger logger, int pid, int count);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Output of pid {Pid} is still held open by a process outside the sandbox; stopped reading it")]
    public static partial void OutputAbandoned(this ILogger logger, int pid);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Killed {Count} processes of commands left running by a Kiln that was killed without bubblewrap")]
    public static partial void OrphansKilled(this ILogger logger, int count);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "Refused a sandboxed command's connection to {Target}: not an allowed host ({Allowed}; Kiln:Sandbox:AllowedHosts)")]
    public static partial void EgressRefused(this ILogger logger, string target, string allowed);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "A sandboxed command's connection to {Target} failed: {Failure}")]
    public static partial void EgressFailed(this ILogger logger, string target, string failure);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Debug, Message = "Opened a sandboxed command's connection to {Target} ({Route})")]
    public static partial void EgressOpened(this ILogger logger, string target, string route);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "Pid {Pid} was stopped: {Reason}")]
    public static partial void QuotaExceeded(this ILogger logger, int pid, string reason);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "Stopped watching the disk quota of pid {Pid}: {Failure}")]
    public static partial void QuotaWatchFailed(this ILogger logger, int pid, string failure);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "Pid {Pid} tried to run more processes than its cgroup allows (Kiln:Sandbox:MaxProcesses); its process tree was killed")]
    public static partial void ProcessLimitReached(this ILogger logger, int pid);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Stopping {Count} sandboxed processes")]
    public static partial void StoppingAll(this ILogger logger, int count);
}
