using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Kiln.Events;

namespace Kiln.Tools;

/// <summary>
/// Turns one command's output lines into <c>command_output</c> events. Lines are batched (a batch goes out at
/// <see cref="FlushBytes"/>, or <see cref="FlushInterval"/> after the previous one, and at the end), so a chatty
/// command costs a few events a second rather than one per line; and at most a configured number of bytes per
/// command become events, so 100 MB of output cannot flood the event log that every client replays.
/// </summary>
internal sealed class CommandOutputStream
{
    public const int FlushBytes = 8 * 1024;

    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);

    // Bounded: when the event log is slower than the command, the command's reader waits, and so does the
    // command (the sandbox's pump stops reading its pipe) rather than Kiln buffering without limit.
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(
        new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly EventLog _events;
    private readonly string _projectId;
    private readonly string _command;
    private readonly long _maxBytes;
    private readonly TimeProvider _time;
    private readonly Task _pump;
    private readonly StringBuilder _batch = new();
    private long _streamedBytes;
    private long _droppedBytes;
    private long _lastFlush;

    public CommandOutputStream(EventLog events, string projectId, string command, long maxBytes, TimeProvider time)
    {
        _events = events;
        _projectId = projectId;
        _command = command;
        _maxBytes = maxBytes;
        _time = time;
        _lastFlush = time.GetTimestamp();
        _pump = PumpAsync();
    }

    public ValueTask WriteLineAsync(string line, CancellationToken cancellationToken) =>
        _lines.Writer.WriteAsync(line, cancellationToken);

    /// <summary>Sends what is left, and a last note when output was held back; returns once every event is stored.</summary>
    public Task CompleteAsync()
    {
        _lines.Writer.TryComplete();
        return _pump;
    }

    private async Task PumpAsync()
    {
        try
        {
            await PumpLinesAsync();
        }
        catch (Exception exception)
        {
            // The event log failed: close the channel so the command's writer fails instead of waiting forever.
            _lines.Writer.TryComplete(exception);
            throw;
        }
    }

    private async Task PumpLinesAsync()
    {
        var reader = _lines.Reader;
        while (await WaitForLinesAsync(reader))
        {
            while (reader.TryRead(out var line))
            {
                Add(line);
                if (_batch.Length >= FlushBytes)
                {
                    await FlushAsync();
                }
            }

            if (_time.GetElapsedTime(_lastFlush) >= FlushInterval)
            {
                await FlushAsync();
            }
        }

        await FlushAsync();
        if (_droppedBytes > 0)
        {
            await AppendAsync(string.Create(CultureInfo.InvariantCulture,
                $"[{_droppedBytes} more bytes of output were not streamed (the limit is {_maxBytes} bytes per command); the tool's result ends with the last of it]"));
        }
    }

    /// <summary>Waits for more lines; while a batch is pending, only until it is due, then flushes it.</summary>
    private async ValueTask<bool> WaitForLinesAsync(ChannelReader<string> reader)
    {
        while (_batch.Length > 0)
        {
            var due = FlushInterval - _time.GetElapsedTime(_lastFlush);
            if (due <= TimeSpan.Zero)
            {
                await FlushAsync();
                break;
            }

            using var timer = new CancellationTokenSource(due, _time);
            try
            {
                return await reader.WaitToReadAsync(timer.Token);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested)
            {
                await FlushAsync();
            }
        }

        return await reader.WaitToReadAsync(CancellationToken.None);
    }

    private void Add(string line)
    {
        var bytes = Encoding.UTF8.GetByteCount(line) + 1;
        if (_droppedBytes > 0 || _streamedBytes + bytes > _maxBytes)
        {
            _droppedBytes += bytes;
            return;
        }

        _streamedBytes += bytes;
        _batch.Append(line).Append('\n');
    }

    private async Task FlushAsync()
    {
        _lastFlush = _time.GetTimestamp();
        if (_batch.Length == 0)
        {
            return;
        }

        var text = _batch.ToString();
        _batch.Clear();
        await AppendAsync(text);
    }

    // Not cancellable: output of a command that was cancelled still belongs in the log, like its tool_executed event.
    private Task<ProjectEvent> AppendAsync(string text) =>
        _events.AppendAsync(_projectId, new CommandOutput(_command, text), CancellationToken.None);
}
