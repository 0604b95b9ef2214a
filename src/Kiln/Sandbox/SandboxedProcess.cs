using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Kiln.Sandbox;

/// <summary>Why a process was killed before it ended by itself.</summary>
internal enum StopReason
{
    None,
    TimedOut,
    Stopped,
    QuotaExceeded,

    /// <summary>It tried to run more processes than its cgroup allows (a fork bomb).</summary>
    ProcessLimit,
}

/// <summary>
/// A running sandboxed process, such as a dev server. Stopping or disposing it kills its whole
/// tree; so does its own exit, because nothing a command started may outlive it.
/// </summary>
public sealed class SandboxedProcess : IAsyncDisposable
{
    /// <summary>How long, without bubblewrap, to wait for the output pipes to close after the tree was killed.</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    /// <summary>An upper bound on the kernel tearing down a killed pid namespace; it normally takes milliseconds.</summary>
    private static readonly TimeSpan NamespaceTeardownLimit = TimeSpan.FromSeconds(5);

    // Waits on the kernel (a namespace emptying, pipes closing) use real time, not the injected
    // TimeProvider: they are not business time, and a test's fake clock would stall them forever.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(1);

    /// <summary>How often the cgroup is asked whether a fork was refused; a fork bomb is stopped within about this long.</summary>
    private static readonly TimeSpan LimitPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly Process _process;
    private readonly Isolation _isolation;
    private readonly bool _ownSession;
    private readonly string? _marker;
    private readonly string? _privateDirectory;
    private readonly ProcessNetwork? _network;
    private readonly ControlGroup? _group;
    private readonly Channel<string> _lines;
    private readonly OutputPump _pump;
    private readonly CancellationTokenSource _abandon = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Action<SandboxedProcess> _finished;
    private readonly DiskQuota? _quota;
    private DiskQuotaExceeded? _quotaExceeded;
    private readonly long _startedAt;
    private int _stopReason;
    private int _namespaceInit;
    private int _disposed;

    internal SandboxedProcess(
        Process process,
        Isolation isolation,
        bool ownSession,
        string? marker,
        string? privateDirectory,
        ProcessNetwork? network,
        ControlGroup? group,
        Channel<string> lines,
        long captureLimit,
        bool waitForReader,
        TimeSpan? timeout,
        string? standardInput,
        DiskQuota? quota,
        ILogger logger,
        TimeProvider timeProvider,
        Action<SandboxedProcess> finished)
    {
        _process = process;
        _isolation = isolation;
        _ownSession = ownSession;
        _marker = marker;
        _privateDirectory = privateDirectory;
        _network = network;
        _group = group;
        _lines = lines;
        _logger = logger;
        _timeProvider = timeProvider;
        _finished = finished;
        _quota = quota;
        _startedAt = timeProvider.GetTimestamp();
        Pid = process.Id;
        _pump = new OutputPump(
            process.StandardOutput.BaseStream, process.StandardError.BaseStream, lines.Writer, captureLimit, waitForReader,
            _abandon.Token);
        Exited = SuperviseAsync(timeout, standardInput);
    }

    /// <summary>The host pid of the process Kiln started (bwrap's, when sandboxed).</summary>
    public int Pid { get; }

    /// <summary>
    /// The host path of the Unix socket that reaches <see cref="ProcessSpec.ExposedPort"/> inside the process's network
    /// namespace; null when it shares the host's network (no bubblewrap, or no network namespace here), where the port is
    /// the host's own. The socket appears once the process is running; connecting earlier fails as a refused port would.
    /// </summary>
    public string? ExposedSocket => _network?.ExposedSocket;

    /// <summary>Output lines, stdout and stderr interleaved. Bounded: when nobody reads, the oldest lines are dropped.</summary>
    public ChannelReader<string> Output => _lines.Reader;

    /// <summary>Completes with the exit code once the process exited, its tree is dead and its output is drained.</summary>
    public Task<int> Exited { get; }

    internal bool TimedOut => Volatile.Read(ref _stopReason) == (int)StopReason.TimedOut;

    internal bool Stopped => Volatile.Read(ref _stopReason) == (int)StopReason.Stopped;

    /// <summary>Set when the project outgrew its <see cref="ProcessSpec.DiskQuota"/> and the tree was stopped for it.</summary>
    public DiskQuotaExceeded? QuotaExceeded => Volatile.Read(ref _quotaExceeded);

    /// <summary>Stopped because it tried to run more processes than <see cref="SandboxOptions.MaxProcesses"/>.</summary>
    internal bool ProcessLimitReached => Volatile.Read(ref _stopReason) == (int)StopReason.ProcessLimit;

    internal bool OutputTruncated => _pump.Truncated;

    internal long CapturedOutputBytes => _pump.CapturedBytes;

    internal long DroppedOutputBytes => _pump.DroppedBytes;

    /// <summary>Kills the whole process tree and waits until it is gone.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Kill(StopReason.Stopped);
        await Exited.WaitAsync(cancellationToken);
    }

    /// <summary>Kills the tree and waits until it is gone; safe to call more than once, from the owner and the runner alike.</summary>
    public async ValueTask DisposeAsync()
    {
        var first = Interlocked.Exchange(ref _disposed, 1) == 0;
        if (first)
        {
            Kill(StopReason.Stopped);
            // Release a pump that waits for room in a channel nobody will read any more.
            await _abandon.CancelAsync();
        }

        await Exited;
        if (first)
        {
            _process.Dispose();
            _abandon.Dispose();
        }
    }

    internal void Kill(StopReason reason)
    {
        if (Exited is { IsCompleted: true })
        {
            return;
        }

        Interlocked.CompareExchange(ref _stopReason, (int)reason, (int)StopReason.None);
        KillTree();
    }

    /// <summary>
    /// Under bubblewrap, the pid namespace's init is killed (and bwrap with it): the kernel then
    /// kills every process left in the namespace at once, daemons included. Without it, the
    /// session's process group is killed, then any process still carrying this command's marker.
    /// Process.Kill(entireProcessTree) is deliberately not used: it stops each process and lists
    /// every process on the machine for each one it visits, which under a fork bomb is quadratic
    /// and takes minutes while the bomb keeps growing.
    /// </summary>
    private void KillTree()
    {
        if (_isolation != Isolation.Direct)
        {
            var init = Volatile.Read(ref _namespaceInit);
            if (init == 0)
            {
                // Killed before the init was seen: look now, before bwrap dies and its init is out of reach.
                init = ProcFs.FirstChild(Pid) ?? -1;
                Volatile.Write(ref _namespaceInit, init);
            }

            if (init > 0 && ProcFs.IsRunning(init, "bwrap"))
            {
                NativeMethods.KillProcess(init);
            }
        }
        else
        {
            if (_ownSession)
            {
                NativeMethods.KillProcessGroup(Pid);
            }

            if (_marker is not null && StrayProcesses.KillMarked(_marker) is > 0 and var count)
            {
                _logger.StrayProcessesKilled(Pid, count);
            }
        }

        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    private async Task<int> SuperviseAsync(TimeSpan? timeout, string? standardInput)
    {
        var input = WriteInputAsync(standardInput);
        if (_isolation != Isolation.Direct)
        {
            await FindNamespaceInitAsync();
        }

        using (var watching = new CancellationTokenSource())
        {
            var quotaWatch = _quota is null ? Task.CompletedTask : WatchQuotaAsync(_quota, watching.Token);
            using (var timer = timeout is { } limit ? new CancellationTokenSource(limit, _timeProvider) : null)
            using (timer is null ? default : timer.Token.UnsafeRegister(_ => OnTimeout(timeout!.Value), null))
            {
                var exited = _process.WaitForExitAsync(CancellationToken.None);
                if (_group is not null)
                {
                    await WatchProcessLimitAsync(exited);
                }

                await exited;
            }

            await watching.CancelAsync();
            await quotaWatch;
        }

        // The command is done; whatever it left running goes with it.
        KillTree();
        await WaitForNamespaceAsync();
        if (_group is not null)
        {
            // A tree whose forks were refused often collapses by itself before the watch sees it; it still hit the limit.
            if (_group.ProcessLimitReached)
            {
                Interlocked.CompareExchange(ref _stopReason, (int)StopReason.ProcessLimit, (int)StopReason.None);
            }

            await _group.RemoveAsync();
        }

        await DrainAsync();
        await input;
        if (_network is not null)
        {
            // Nothing is left inside to use it: close the egress proxy's connections and remove the sockets.
            await _network.DisposeAsync();
        }

        var exitCode = _process.ExitCode;
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.ProcessExited(Pid, exitCode, _timeProvider.GetElapsedTime(_startedAt));
        }

        DeletePrivateDirectory();
        _finished(this);
        return exitCode;
    }

    /// <summary>
    /// Notes the pid of bwrap's pid-namespace init (bwrap's only child) as soon as it exists. bwrap
    /// exits as soon as its command does, and only then does the init die (parent-death signal)
    /// and the kernel kill what is left inside; the init's pid is how Kiln sees that happen.
    /// </summary>
    private async Task FindNamespaceInitAsync()
    {
        for (var attempt = 0; attempt < 500 && !_process.HasExited && Volatile.Read(ref _namespaceInit) == 0; attempt++)
        {
            if (ProcFs.FirstChild(Pid) is { } init)
            {
                Interlocked.CompareExchange(ref _namespaceInit, init, 0);
                return;
            }

            await Task.Delay(PollInterval, TimeProvider.System);
        }
    }

    /// <summary>
    /// Waits until the namespace's init is gone: the kernel only lets it die once every other
    /// process in the namespace is dead, so afterwards no process of the command is left.
    /// </summary>
    private async Task WaitForNamespaceAsync()
    {
        var init = Volatile.Read(ref _namespaceInit);
        if (init <= 0)
        {
            return;
        }

        var waited = Stopwatch.StartNew();
        while (ProcFs.IsRunning(init, "bwrap") && waited.Elapsed < NamespaceTeardownLimit)
        {
            await Task.Delay(PollInterval, TimeProvider.System);
        }
    }

    private async Task WatchQuotaAsync(DiskQuota quota, CancellationToken cancellationToken)
    {
        // Off the supervisor's path: a first walk of a big project must not delay finding the namespace's init.
        await Task.Yield();
        DiskQuotaExceeded? exceeded;
        try
        {
            exceeded = await DiskQuotaWatch.FirstExcessAsync(quota, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The project's directory went away under the command (a DELETE): the removal stops the command itself.
            _logger.QuotaWatchFailed(Pid, exception.Message);
            return;
        }

        if (exceeded is not null)
        {
            Volatile.Write(ref _quotaExceeded, exceeded);
            _logger.QuotaExceeded(Pid, exceeded.Describe());
            Kill(StopReason.QuotaExceeded);
        }
    }

    /// <summary>
    /// Stops the command once its cgroup refused a fork: a tree at its process limit only spins, retrying, until its
    /// timeout, and what it was doing cannot finish anyway.
    /// </summary>
    private async Task WatchProcessLimitAsync(Task exited)
    {
        using var ticks = new PeriodicTimer(LimitPollInterval, TimeProvider.System);
        while (!exited.IsCompleted)
        {
            if (_group!.ProcessLimitReached)
            {
                _logger.ProcessLimitReached(Pid);
                Kill(StopReason.ProcessLimit);
                return;
            }

            await Task.WhenAny(exited, ticks.WaitForNextTickAsync().AsTask());
        }
    }

    private void OnTimeout(TimeSpan timeout)
    {
        _logger.ProcessTimedOut(Pid, timeout);
        Kill(StopReason.TimedOut);
    }

    private async Task DrainAsync()
    {
        if (_isolation != Isolation.Direct)
        {
            // Every writer was in the pid namespace, which is gone: the pipes are at their end.
            await _pump.Completion;
            return;
        }

        // Without a namespace, a process that escaped every kill may still hold the pipe open.
        try
        {
            await _pump.EndOfStreams.WaitAsync(DrainGrace, TimeProvider.System);
        }
        catch (TimeoutException)
        {
            _logger.OutputAbandoned(Pid);
            await _abandon.CancelAsync();
            _lines.Writer.TryComplete();
            return;
        }

        await _pump.Completion;
    }

    private async Task WriteInputAsync(string? text)
    {
        try
        {
            if (text is not null)
            {
                await _process.StandardInput.WriteAsync(text.AsMemory(), _abandon.Token);
                await _process.StandardInput.FlushAsync(_abandon.Token);
            }

            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The command ended (or closed its stdin) before reading everything: not an error of Kiln's.
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void DeletePrivateDirectory()
    {
        if (_privateDirectory is null)
        {
            return;
        }

        try
        {
            Directory.Delete(_privateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temp cleaning; it only held this command's HOME and TMPDIR.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    internal static string TruncationNote(long kept, long dropped) =>
        new StringBuilder()
            .Append("[output truncated: the first ").Append(kept.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
            .Append(" bytes are shown; ").Append(dropped.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
            .Append(" more bytes were dropped]")
            .ToString();
}
