using Kiln.Projects;
using Kiln.Sandbox;

namespace Kiln.Preview;

/// <summary>
/// One process of a dev server, from its start to its exit: the sandboxed process, the port it was given, and
/// the pump that moves its output into the project's log. A restart is a new run.
/// </summary>
internal sealed class DevServerRun
{
    private readonly DevServerOutput _output;
    private readonly SecretRedactor _redactor;
    private StreamWriter? _log;
    private int _released;
    private volatile bool _stopRequested;

    public DevServerRun(SandboxedProcess process, int port, string command, StreamWriter log, DevServerOutput output, SecretRedactor redactor, long startedAt)
    {
        Process = process;
        Port = port;
        Command = command;
        StartedAt = startedAt;
        _output = output;
        _redactor = redactor;
        _log = log;
        Pump = PumpAsync();
    }

    public SandboxedProcess Process { get; }

    public int Port { get; }

    public string Command { get; }

    /// <summary>When it was started, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long StartedAt { get; }

    /// <summary>Completes when the process's output has ended and the log is closed.</summary>
    public Task Pump { get; }

    /// <summary>Set before the run is killed on purpose, so its exit is not taken for a crash.</summary>
    public bool StopRequested => _stopRequested;

    /// <summary>Its exit code once it ended, else null.</summary>
    public int? ExitCode => Process.Exited.IsCompletedSuccessfully ? Process.Exited.Result : null;

    /// <summary>
    /// Whether its output says the port was taken: another program bound it between the pool's check and the
    /// server's start, which is worth one more try on another port.
    /// </summary>
    public bool PortWasTaken() => _output.Tail().Any(line =>
        line.Contains("EADDRINUSE", StringComparison.Ordinal) || line.Contains("already in use", StringComparison.OrdinalIgnoreCase));

    /// <summary>Kills the process tree and waits until it and its output are gone.</summary>
    public async Task StopAsync()
    {
        _stopRequested = true;
        await Process.DisposeAsync();
        await Pump;
    }

    /// <summary>True exactly once, for whoever gives the run's port and record back.</summary>
    public bool TryRelease() => Interlocked.Exchange(ref _released, 1) == 0;

    private async Task PumpAsync()
    {
        try
        {
            // Read to the end whatever happens to the log: an unread bounded channel would drop the newest lines.
            await foreach (var line in Process.Output.ReadAllAsync(CancellationToken.None))
            {
                // A secret the app prints is hidden before the line reaches the log, the status or the model.
                var clean = _output.Add(_redactor.Redact(line));
                await WriteAsync(clean);
                await _output.ReadErrorsAsync(clean, quiet: !Process.Output.TryPeek(out _));
            }
        }
        finally
        {
            await CloseLogAsync();
        }
    }

    private async Task WriteAsync(string line)
    {
        if (_log is null)
        {
            return;
        }

        try
        {
            await _log.WriteLineAsync(line);
            if (!Process.Output.TryPeek(out _))
            {
                // Flushed whenever the server falls quiet, so the log on disk is current while it waits.
                await _log.FlushAsync();
            }
        }
        catch (IOException)
        {
            // A full disk stops the log, not the server; the last lines are still kept in memory.
            await CloseLogAsync();
        }
    }

    private async Task CloseLogAsync()
    {
        var log = _log;
        _log = null;
        if (log is null)
        {
            return;
        }

        try
        {
            await log.DisposeAsync();
        }
        catch (IOException)
        {
            // Whatever could not be flushed is lost from the file; the lines in memory remain.
        }
    }
}
