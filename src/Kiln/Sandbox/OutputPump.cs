using System.Buffers;
using System.Text;
using System.Threading.Channels;

namespace Kiln.Sandbox;

/// <summary>
/// Reads a child's stdout and stderr as raw bytes, cuts them into lines and writes the lines to
/// one channel, so the two streams interleave in the order lines complete. Lines are kept until
/// <c>captureLimit</c> bytes have been taken; after that the pump only counts what it discards,
/// without decoding, so a command printing 100 MB is drained at pipe speed and never blocks on a
/// full pipe.
/// </summary>
internal sealed class OutputPump
{
    /// <summary>Longer lines are cut into pieces of this size, so one endless line cannot grow a string without bound.</summary>
    public const int MaxLineBytes = 16 * 1024;

    private const int ReadSize = 64 * 1024;

    private readonly ChannelWriter<string> _lines;
    private readonly long _captureLimit;
    private readonly bool _waitForReader;
    private readonly CancellationToken _abandoned;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _endOfStreams = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;
    private long _captured;
    private long _dropped;
    private bool _full;

    // waitForReader: wait for room in the channel (backpressure on the child) rather than rely on a
    // channel that drops; abandoned: stop reading, because the process is gone but something holds the pipe.
    public OutputPump(
        Stream standardOutput, Stream standardError, ChannelWriter<string> lines, long captureLimit, bool waitForReader,
        CancellationToken abandoned)
    {
        _lines = lines;
        _captureLimit = captureLimit;
        _waitForReader = waitForReader;
        _abandoned = abandoned;
        Completion = PumpBothAsync(standardOutput, standardError);
    }

    /// <summary>Completes when both streams reached their end (every writer closed them) and the channel is completed.</summary>
    public Task Completion { get; }

    /// <summary>Completes when both pipes reached their end, before the last lines are handed over.</summary>
    public Task EndOfStreams => _endOfStreams.Task;

    public bool Truncated
    {
        get
        {
            lock (_gate)
            {
                return _full;
            }
        }
    }

    public long CapturedBytes
    {
        get
        {
            lock (_gate)
            {
                return _captured;
            }
        }
    }

    public long DroppedBytes
    {
        get
        {
            lock (_gate)
            {
                return _dropped;
            }
        }
    }

    private async Task PumpBothAsync(Stream standardOutput, Stream standardError)
    {
        try
        {
            await Task.WhenAll(PumpAsync(standardOutput), PumpAsync(standardError));
        }
        finally
        {
            _lines.TryComplete();
        }
    }

    private async Task PumpAsync(Stream stream)
    {
        // Yield first so the constructor returns before any blocking read starts.
        await Task.Yield();
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        var line = new ArrayBufferWriter<byte>(1024);
        var open = true;
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, ReadSize), _abandoned);
                if (read == 0)
                {
                    open = false;
                    StreamClosed();
                    break;
                }

                var chunk = buffer.AsMemory(0, read);
                while (!chunk.IsEmpty)
                {
                    if (IsFull)
                    {
                        Drop(chunk.Length + line.WrittenCount);
                        line.ResetWrittenCount();
                        break;
                    }

                    var newline = chunk.Span.IndexOf((byte)'\n');
                    var take = newline < 0 ? chunk.Length : newline;
                    var room = MaxLineBytes - line.WrittenCount;
                    if (take > room)
                    {
                        line.Write(chunk.Span[..room]);
                        chunk = chunk[room..];
                        await EmitAsync(line);
                        continue;
                    }

                    line.Write(chunk.Span[..take]);
                    if (newline < 0)
                    {
                        break;
                    }

                    chunk = chunk[(newline + 1)..];
                    await EmitAsync(line);
                }
            }

            if (line.WrittenCount > 0)
            {
                await EmitAsync(line);
            }
        }
        catch (OperationCanceledException) when (_abandoned.IsCancellationRequested)
        {
            // The process is gone and something it left behind still holds the pipe open; stop reading.
        }
        catch (ChannelClosedException)
        {
            // The reader side was completed after the pump was abandoned.
        }
        catch (ObjectDisposedException) when (_abandoned.IsCancellationRequested)
        {
        }
        catch (IOException) when (_abandoned.IsCancellationRequested)
        {
        }
        finally
        {
            if (open)
            {
                StreamClosed();
            }

            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void StreamClosed()
    {
        if (Interlocked.Decrement(ref _openStreams) == 0)
        {
            _endOfStreams.TrySetResult();
        }
    }

    private bool IsFull
    {
        get
        {
            lock (_gate)
            {
                return _full;
            }
        }
    }

    private void Drop(long bytes)
    {
        lock (_gate)
        {
            _full = true;
            _dropped += bytes;
        }
    }

    private async ValueTask EmitAsync(ArrayBufferWriter<byte> line)
    {
        var bytes = line.WrittenSpan;
        var length = bytes.Length + 1;
        lock (_gate)
        {
            if (_full || _captured + length > _captureLimit)
            {
                _full = true;
                _dropped += length;
                line.ResetWrittenCount();
                return;
            }

            _captured += length;
        }

        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        var text = Encoding.UTF8.GetString(bytes);
        line.ResetWrittenCount();
        if (_waitForReader)
        {
            await _lines.WriteAsync(text, _abandoned);
        }
        else
        {
            _lines.TryWrite(text);
        }
    }
}
