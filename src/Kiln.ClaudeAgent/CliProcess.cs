using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kiln.ClaudeAgent;

// The CLI as a child process: argv and environment exactly as given (no shell), line-oriented
// stdin/stdout, stderr kept as a short tail for error reports, and a whole-tree kill.
internal sealed class CliProcess : IAsyncDisposable
{
    private const int StderrTailLines = 40;

    private readonly Process _process;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Queue<string> _stderrTail = new();
    private readonly CancellationTokenSource _stopPump = new();
    private readonly Task _stderrPump;

    private CliProcess(Process process, Action<string>? onStderr)
    {
        _process = process;
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

    public static CliProcess Start(CliCommand command, Action<string>? onStderr)
    {
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            // No BOM: the CLI's first stdin line must be clean JSON.
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
        // The child sees exactly the environment it was given, nothing inherited by accident.
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
        return new CliProcess(process, onStderr);
    }

    public async IAsyncEnumerable<string> ReadLinesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await _process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return line;
        }
    }

    public async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _process.StandardInput.WriteAsync(line.AsMemory(), cancellationToken);
            await _process.StandardInput.WriteAsync("\n".AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
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
            await _stderrPump.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
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

    // Closes stdin (the CLI's signal to finish), gives it a grace period, then kills what is left.
    public async ValueTask StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            await _writeLock.WaitAsync();
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The pipe is already broken: the CLI is on its way out.
            }
            finally
            {
                _writeLock.Release();
            }
            using var wait = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                KillTree();
                await _process.WaitForExitAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        KillTree();
        await _process.WaitForExitAsync();
        // A stray grandchild may still hold stderr open; its last words are not worth waiting for.
        _stopPump.CancelAfter(TimeSpan.FromSeconds(1));
        await _stderrPump;
        _process.Dispose();
        _writeLock.Dispose();
        _stopPump.Dispose();
    }

    private async Task PumpStderrAsync(Action<string>? onStderr)
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync(_stopPump.Token) is { } line)
            {
                lock (_stderrTail)
                {
                    _stderrTail.Enqueue(line);
                    if (_stderrTail.Count > StderrTailLines)
                    {
                        _stderrTail.Dequeue();
                    }
                }
                onStderr?.Invoke(line);
            }
        }
        catch (OperationCanceledException) when (_stopPump.IsCancellationRequested)
        {
            // Given up at dispose.
        }
    }
}
