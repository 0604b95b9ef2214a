using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>Keeps every log line written through it, for tests that assert what the library logged.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(Lines);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(LogLevel, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((logLevel, formatter(state, exception)));
    }
}
