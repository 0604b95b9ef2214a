using Microsoft.Extensions.Logging;

namespace Kiln.ClaudeAgent;

// The library's log lines, in one place (category Kiln.ClaudeAgent.ClaudeAgentClient).
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a line of the Claude Code CLI's output that is not a JSON object: {Line}")]
    public static partial void SkippedLine(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stderr callback threw; the CLI's stderr is still read")]
    public static partial void StderrCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Claude Code CLI did not report its version; this library needs {Minimum} or newer")]
    public static partial void CliVersionUnknown(ILogger logger, Version minimum);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The '{Subtype}' control request from the CLI failed; it is answered with the error")]
    public static partial void ControlRequestFailed(ILogger logger, string subtype, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The CLI withdrew its control request {RequestId}; it gets no answer")]
    public static partial void ControlRequestWithdrawn(ILogger logger, string requestId);
}
