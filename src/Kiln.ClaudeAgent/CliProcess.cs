using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Kiln.ClaudeAgent;

// The CLI as a child process: argv and environment exactly as given (no shell), line-oriented
// stdin/stdout, stderr kept as a short tail for error reports, and a whole-tree kill.
//
// Two properties hold whatever the CLI does:
// - a frame goes to stdin whole or not at all: it is written as one buffer under a lock, and a
//   caller who gives up while it is half written kills the process, because a cut frame would
//   corrupt every frame after it;
// - nothing here waits on the CLI without a bound: a read on a pipe cannot be cancelled once it
//   is pending, so reads are abandoned (they end when the last holder of the pipe exits), and
//   a write blocked on a CLI that stopped reading is ended by killing it.
internal sealed class CliProcess : IAsyncDisposable
{
    private const int StderrTailLines = 40;

    // How long output still in the pipes is read after the CLI exited, when a process it left
    // behind keeps them open; and how long disposal waits for each piece of cleanup after the kill.
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(1);

    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Queue<string> _stderrTail = new();
    private readonly CancellationTokenSource _stopReading = new();
    private readonly Task _outputAbandoned;
    private readonly Task _stderrPump;
    private bool _inputClosed; // guarded by _writeLock

    private readonly ILogger _logger;

    private CliProcess(Process process, Action<string>? onStderr, ILogger logger)
    {
        _process = process;
        _logger = logger;
        _stdin = process.StandardInput.BaseStream;
        _outputAbandoned = AbandonOutputAsync();
        _stderrPump = PumpStderrAsync(onStderr);
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string StderrTail
    {
        get
        {
            lock (_stderrTail)
            {
                return string.Join('\n', _stderrTail);
            }
        }
    }

    public static CliProcess Start(CliCommand command, Action<string>? onStderr, ILogger logger)
    {
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            // No BOM: the CLI's first stdin line must be clean JSON (frames are written as UTF-8 bytes anyway).
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (command.WorkingDirectory is not null)
        {
            start.WorkingDirectory = command.WorkingDirectory;
        }
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // The command carries the child's whole environment (inherited or not, CliCommand decided).
        start.Environment.Clear();
        foreach (var (name, value) in command.Environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new ClaudeAgentException($"The Claude Code CLI could not be started from '{command.FileName}': {e.Message}", e);
        }
        return new CliProcess(process, onStderr, logger);
    }

    /// <summary>Lines of stdout until it ends, the CLI has exited and its output is drained, or reading is stopped.</summary>
    public async IAsyncEnumerable<string> ReadLinesAsync()
    {
        while (await ReadLineAsync(_process.StandardOutput, _outputAbandoned) is { } line)
        {
            yield return line;
        }
    }

    /// <summary>Writes one frame (a whole line, newline included) to stdin.</summary>
    /// <exception cref="IOException">The CLI's input is closed or broken.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the frame was started, or while it was blocked half written (the process is then killed).</exception>
    public async Task WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        // Nothing is written yet, so giving up here leaves the stream intact.
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_inputClosed)
            {
                throw new IOException("The Claude Code CLI's input is closed.");
            }
            // Written without the caller's token: one write call with one buffer, never stopped halfway.
            var write = _stdin.WriteAsync(frame, CancellationToken.None).AsTask();
            try
            {
                await write.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The frame is stuck half written on a CLI that does not read its input: the stream can
                // never be whole again, so the session ends here. The abandoned write fails once the
                // process is gone.
                _inputClosed = true;
                _ = write.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                KillTree();
                throw;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // The exit code, once stderr is read to its end too, so StderrTail holds the CLI's last words.
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        try
        {
            await _stderrPump.WaitAsync(DrainGrace, cancellationToken);
        }
        catch (TimeoutException)
        {
            // A grandchild still holds stderr open; report what there is.
        }
        return _process.ExitCode;
    }

    public void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <summary>
    /// Closes stdin (the CLI's signal to finish) and waits for the CLI to exit, all within
    /// <paramref name="grace"/>, then kills its process tree, whatever is blocked.
    /// </summary>
    public async ValueTask StopAsync(TimeSpan grace)
    {
        using var deadline = new CancellationTokenSource(grace);
        try
        {
            // A write blocked on a CLI that stopped reading holds the lock; the deadline bounds the wait for it.
            await _writeLock.WaitAsync(deadline.Token);
            try
            {
                CloseInput();
            }
            finally
            {
                _writeLock.Release();
            }
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // It did not finish in time: the kill below ends it.
        }
        // Whatever is still running of its tree (all of it, when it did not finish in time).
        KillTree();
    }

    public ValueTask DisposeAsync() => CloseAsync(CancellationToken.None);

    /// <summary>Kills the process tree and releases it, waiting for the pipes to drain no longer than <paramref name="deadline"/> allows.</summary>
    public async ValueTask CloseAsync(CancellationToken deadline)
    {
        KillTree();
        await _stopReading.CancelAsync();
        // After SIGKILL the exit is immediate, unless the kernel is stuck on the process; then it is left to the OS.
        try
        {
            await Task.WhenAll(_process.WaitForExitAsync(CancellationToken.None), _stderrPump, _outputAbandoned)
                .WaitAsync(DrainGrace, deadline);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && deadline.IsCancellationRequested))
        {
            // Left behind: disposal is bounded whatever the process does.
        }
        _process.Dispose();
        _stopReading.Dispose();
    }

    // Must hold _writeLock.
    private void CloseInput()
    {
        if (_inputClosed)
        {
            return;
        }
        _inputClosed = true;
        try
        {
            _stdin.Dispose();
        }
        catch (IOException)
        {
            // The pipe is already broken: the CLI is on its way out.
        }
    }

    // Completes when output is no longer worth waiting for: the CLI exited and a moment passed for
    // what is still in the pipe, or reading was stopped.
    private async Task AbandonOutputAsync()
    {
        try
        {
            await _process.WaitForExitAsync(_stopReading.Token);
            await Task.Delay(DrainGrace, _stopReading.Token);
        }
        catch (OperationCanceledException) when (_stopReading.IsCancellationRequested)
        {
            // Stopped: the same as abandoned.
        }
    }

    // A line, or null at the end of the stream or once reading is abandoned. The pending read is
    // then left behind: a pipe read cannot be cancelled, and it ends when the pipe's last writer exits.
    private static async Task<string?> ReadLineAsync(StreamReader reader, Task abandoned)
    {
        var read = reader.ReadLineAsync();
        return await Task.WhenAny(read, abandoned) == read ? await read : null;
    }

    private async Task PumpStderrAsync(Action<string>? onStderr)
    {
        while (await ReadLineAsync(_process.StandardError, _outputAbandoned) is { } line)
        {
            lock (_stderrTail)
            {
                _stderrTail.Enqueue(line);
                if (_stderrTail.Count > StderrTailLines)
                {
                    _stderrTail.Dequeue();
                }
            }
            try
            {
                onStderr?.Invoke(line);
            }
            catch (Exception e)
            {
                // A callback that throws must not stop the pump: a CLI whose stderr is not drained blocks
                // once the pipe is full. The callback's failure is the caller's, so it is logged, not raised.
                Log.StderrCallbackFailed(_logger, e);
            }
        }
    }
}
