using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Kiln.Sandbox;

/// <summary>
/// The one place in Kiln that starts processes. Each command runs inside bubblewrap when it works here (a view of the
/// host with only the system read-only and its own directories, a private /tmp, its own pid and network namespaces),
/// in cgroups of its own where the host allows them, under rlimits set by prlimit, with a scrubbed environment, a
/// wall-clock timeout and capped output; on timeout, cancellation, its own exit or Kiln's shutdown its whole process
/// tree is killed.
/// </summary>
/// <remarks>
/// A fork bomb: where Kiln can make cgroups (<see cref="ControlGroups"/>), the command's pids.max refuses the forks
/// past <see cref="SandboxOptions.MaxProcesses"/> and the runner stops the command as soon as one is refused.
/// Otherwise RLIMIT_NPROC, which the kernel counts per user within the command's user namespace (so Kiln's own threads
/// do not count) but does not apply at all when the real user is root; a root Kiln without cgroups has only the pid
/// namespace (nothing outside can be touched), the wall-clock timeout, and killing the namespace's init, after which
/// the kernel kills every process inside at once. The start-up line says which of these hold.
/// </remarks>
public sealed class SandboxedProcessRunner : IAsyncDisposable, IDisposable
{
    /// <summary>Lines a started process keeps for a slow reader before the oldest are dropped.</summary>
    public const int StartedOutputCapacity = 2048;

    private const int RunOutputCapacity = 256;
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly SandboxOptions _options;
    private readonly ILogger<SandboxedProcessRunner> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly HostTools _tools;
    private readonly FilesystemView _view;
    private readonly ControlGroups? _groups;
    private readonly string? _groupsUnavailable;
    private readonly ProcessLauncher _launcher = new();
    private readonly SandboxNetwork _network;
    private readonly ConcurrentDictionary<SandboxedProcess, byte> _live = new();
    private readonly Lazy<Task<SandboxStatus>> _status;
    private volatile bool _disposed;
    private int _agentCliDegradedLogged;

    /// <param name="options">The sandbox's settings.</param>
    /// <param name="logger">Where the start-up line and each process go.</param>
    /// <param name="timeProvider">Timeouts and durations.</param>
    /// <param name="environment">Kiln's host, whose content root (its appsettings.json) is masked like its install folder.</param>
    public SandboxedProcessRunner(
        IOptions<SandboxOptions> options, ILogger<SandboxedProcessRunner> logger, TimeProvider timeProvider, IHostEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _view = FilesystemView.For(_options, [AppContext.BaseDirectory, environment?.ContentRootPath]);
        (_groups, _groupsUnavailable) = ControlGroups.Find();
        _logger = logger;
        _timeProvider = timeProvider;
        _tools = new HostTools(
            _options.BubblewrapPath ?? FindProgram("bwrap", _options.SearchPath),
            FindProgram("prlimit", _options.SearchPath),
            FindProgram("setsid", _options.SearchPath),
            FindProgram("setpriv", _options.SearchPath),
            FindProgram("node", _options.SearchPath));
        _network = new SandboxNetwork(_options, logger);
        _status = new Lazy<Task<SandboxStatus>>(ProbeAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether bubblewrap works here; found once, by running it, and logged once.</summary>
    public Task<SandboxStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        _status.Value.WaitAsync(cancellationToken);

    /// <summary>
    /// Runs a command to completion. Every output line goes to <paramref name="onOutputLine"/> as
    /// it arrives, until <see cref="SandboxOptions.MaxOutputBytes"/> have been kept. Timeout and
    /// cancellation kill the tree and are reported in the result rather than thrown.
    /// </summary>
    public async Task<ProcessResult> RunAsync(
        ProcessSpec spec, Func<string, CancellationToken, ValueTask>? onOutputLine, CancellationToken cancellationToken)
    {
        Validate(spec);
        var timeout = Clamp(spec.Timeout ?? TimeSpan.FromSeconds(_options.DefaultTimeoutSeconds));
        var startedAt = _timeProvider.GetTimestamp();

        var program = ResolveProgram(spec);
        if (program is null)
        {
            var notFound = $"{spec.Argv[0]}: command not found";
            if (onOutputLine is not null)
            {
                await onOutputLine(notFound, cancellationToken);
            }

            return new ProcessResult(127, notFound + "\n", false, false, false, _timeProvider.GetElapsedTime(startedAt));
        }

        var lines = Channel.CreateBounded<string>(
            new BoundedChannelOptions(RunOutputCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        await using var process = await LaunchAsync(spec, program, lines, _options.MaxOutputBytes, waitForReader: true, timeout, cancellationToken);

        var output = new StringBuilder();
        int exitCode;
        using (cancellationToken.UnsafeRegister(static state => ((SandboxedProcess)state!).Kill(StopReason.Stopped), process))
        {
            await foreach (var line in lines.Reader.ReadAllAsync(CancellationToken.None))
            {
                output.Append(line).Append('\n');
                await ReportAsync(line);
            }

            exitCode = await process.Exited;
        }

        if (process.ProcessLimitReached)
        {
            var note = string.Create(CultureInfo.InvariantCulture,
                $"[stopped: it tried to run more than {_options.MaxProcesses} processes at once, the sandbox's limit (Kiln:Sandbox:MaxProcesses), and was refused]");
            output.Append(note).Append('\n');
            await ReportAsync(note);
        }

        if (process.OutputTruncated)
        {
            var note = SandboxedProcess.TruncationNote(process.CapturedOutputBytes, process.DroppedOutputBytes);
            output.Append(note).Append('\n');
            await ReportAsync(note);
        }

        return new ProcessResult(
            exitCode, output.ToString(), process.OutputTruncated, process.TimedOut, process.Stopped,
            _timeProvider.GetElapsedTime(startedAt))
        {
            QuotaExceeded = process.QuotaExceeded,
            ProcessLimitReached = process.ProcessLimitReached,
        };

        async ValueTask ReportAsync(string line)
        {
            if (onOutputLine is null || cancellationToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await onOutputLine(line, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Cancelled mid-report: the process is being killed; keep draining so the result is complete.
            }
        }
    }

    /// <summary>
    /// Starts a long-running process (a dev server). It runs until it exits, its
    /// <see cref="ProcessSpec.Timeout"/> (if any) passes, it is stopped or disposed, or the runner is
    /// disposed. <paramref name="cancellationToken"/> only cancels the start.
    /// </summary>
    public async Task<SandboxedProcess> StartAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        Validate(spec);
        var timeout = spec.Timeout is { } requested ? Clamp(requested) : (TimeSpan?)null;
        var program = ResolveProgram(spec)
            ?? throw new FileNotFoundException($"{spec.Argv[0]} was not found on the sandbox's search path ({_options.SearchPath}).");
        var lines = Channel.CreateBounded<string>(
            new BoundedChannelOptions(StartedOutputCapacity) { SingleWriter = false, FullMode = BoundedChannelFullMode.DropOldest });
        return await LaunchAsync(spec, program, lines, long.MaxValue, waitForReader: false, timeout, cancellationToken);
    }

    /// <summary>
    /// How to start an agent's CLI (Claude Code) here: inside bubblewrap with the view of
    /// <see cref="SandboxInvocation.AgentCli"/> when bubblewrap works, directly (with a warning, once) when it does not
    /// or is switched off. The caller starts it, because the CLI's client starts its own process.
    /// </summary>
    /// <param name="cliPath">The CLI as found on this machine; its install is found from it.</param>
    /// <param name="home">The CLI's own directory (HOME, config, sessions), the only one it may write.</param>
    /// <param name="workingDirectory">Its working directory, empty inside the sandbox.</param>
    /// <param name="pidDirectory">The project's pid directory, where the CLI is recorded until <see cref="AgentCliLaunch.KillLeftovers"/>.</param>
    /// <param name="cancellationToken">Cancels waiting for the sandbox's probe.</param>
    /// <exception cref="SandboxUnavailableException">Kiln:Sandbox:Mode is required and bubblewrap does not work here.</exception>
    public async Task<AgentCliLaunch> AgentCliLaunchAsync(
        string cliPath, string home, string workingDirectory, string? pidDirectory, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var status = await GetStatusAsync(cancellationToken);
        if (_options.Mode == SandboxMode.Required && !status.Isolated)
        {
            throw new SandboxUnavailableException(
                $"The sandbox is required (Kiln:Sandbox:Mode=required) but bubblewrap does not work here, so the Claude Code CLI is not started: {status.Description}");
        }

        var marker = StrayProcesses.NewMarker();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { [StrayProcesses.MarkerName] = marker };
        if (!status.Isolated)
        {
            if (Interlocked.Exchange(ref _agentCliDegradedLogged, 1) == 0)
            {
                _logger.SandboxDegraded(
                    "the Claude Code CLI runs without bubblewrap, as Kiln's own user: it sees the whole filesystem Kiln sees. " +
                    "Its built-in tools are off, so the model reaches files only through Kiln's tools. " + status.Description);
            }

            return Recorded(new AgentCliLaunch(null, [], cliPath, environment, marker, pidDirectory));
        }

        var install = AgentCliInstall.Find(cliPath, _tools.Node, _view);
        var arguments = SandboxInvocation.AgentCli(_view, status.UserNamespace, home, workingDirectory, install.Directories);
        return Recorded(new AgentCliLaunch(_tools.Bubblewrap!, arguments, install.Program, environment, marker, pidDirectory));

        static AgentCliLaunch Recorded(AgentCliLaunch launch)
        {
            if (launch.PidDirectory is { } directory)
            {
                PidFiles.RecordMarked(directory, launch.Marker);
            }

            return launch;
        }
    }

    private async Task<SandboxedProcess> LaunchAsync(
        ProcessSpec spec, string program, Channel<string> lines, long captureLimit, bool waitForReader, TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var status = await GetStatusAsync(cancellationToken);
        if (_options.Mode == SandboxMode.Required && !status.Isolated)
        {
            throw new SandboxUnavailableException(
                $"The sandbox is required (Kiln:Sandbox:Mode=required) but bubblewrap does not work here: {status.Description}");
        }

        var isolation = !status.Isolated ? Isolation.Direct
            : status.UserNamespace ? Isolation.Bubblewrap
            : Isolation.BubblewrapWithoutUserNamespace;

        cancellationToken.ThrowIfCancellationRequested();
        return await LaunchCoreAsync(spec, program, isolation, status.NetworkIsolated, lines, captureLimit, waitForReader, timeout);
    }

    private async Task<SandboxedProcess> LaunchCoreAsync(
        ProcessSpec spec, string program, Isolation isolation, bool isolateNetwork, Channel<string> lines, long captureLimit,
        bool waitForReader, TimeSpan? timeout)
    {
        var writable = WritableDirectories(spec);
        var arguments = new List<string>();
        string home;
        string temporary;
        string? privateDirectory = null;
        string? marker = null;
        ProcessNetwork? network = null;

        if (isolation == Isolation.Direct)
        {
            privateDirectory = Directory.CreateTempSubdirectory("kiln-sandbox-").FullName;
            home = temporary = privateDirectory;
            marker = StrayProcesses.NewMarker();
            arguments.AddRange(SandboxInvocation.Direct(_tools));
        }
        else
        {
            home = SandboxInvocation.SandboxHome;
            temporary = "/tmp";
            // Without a namespace of its own a command shares the host's network, where its ports and the internet are
            // reached directly: nothing to bridge.
            if (isolateNetwork && (spec.ExposedPort is not null || spec.Egress is not null))
            {
                if (_tools.Node is null)
                {
                    throw new FileNotFoundException(
                        $"node, which bridges a command's network namespace to Kiln, was not found on the sandbox's search path ({_options.SearchPath}).");
                }

                network = _network.Open(spec);
            }

            arguments.Add(_tools.Bubblewrap!);
            arguments.AddRange(SandboxInvocation.Bubblewrap(
                spec, writable, _view, isolation == Isolation.Bubblewrap,
                createHome: !spec.Environment.ContainsKey("HOME"), isolateNetwork, network, network is null ? null : _network.ScriptPath));
        }

        if (_tools.Prlimit is not null)
        {
            arguments.AddRange(SandboxInvocation.Limits(_tools.Prlimit, _options, spec.CpuSeconds, spec.DiskQuota?.MaxBytes));
        }

        if (network is not null)
        {
            // The bridge opens the namespace's crossings, then runs the command as its child.
            arguments.AddRange([_tools.Node!, SandboxNetwork.BridgeScript, .. network.BridgeOptions, "--"]);
        }

        arguments.Add(program);
        arguments.AddRange(spec.Argv.Skip(1));

        var info = new ProcessStartInfo(arguments[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = Utf8,
            WorkingDirectory = spec.WorkingDirectory,
        };
        foreach (var argument in arguments.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        // Built from nothing: the server's environment (API key, Kiln settings) is never inherited.
        info.Environment.Clear();
        var extra = network is null ? spec.Environment : new Dictionary<string, string>(spec.Environment.Concat(network.Environment));
        foreach (var (name, value) in ChildEnvironment.Build(SearchPath(spec), home, temporary, spec.ProjectVariables, extra, marker))
        {
            info.Environment[name] = value;
        }

        Process process;
        ControlGroup? group = null;
        try
        {
            group = _groups?.Create(_options);
            process = await _launcher.StartAsync(info, group);
        }
        catch
        {
            if (group is not null)
            {
                await group.RemoveAsync();
            }

            DeleteQuietly(privateDirectory);
            if (network is not null)
            {
                await network.DisposeAsync();
            }

            throw;
        }

        var handle = new SandboxedProcess(
            process, isolation, ownSession: isolation == Isolation.Direct && _tools.Setsid is not null, marker,
            privateDirectory, network, group, lines, captureLimit, waitForReader, timeout, spec.StandardInput, spec.DiskQuota, _logger, _timeProvider,
            finished =>
            {
                _live.TryRemove(finished, out _);
                if (spec.PidDirectory is { } pids)
                {
                    PidFiles.Forget(pids, finished.Pid);
                }
            });
        _logger.ProcessStarted(spec.Argv[0], handle.Pid, isolation);
        if (spec.PidDirectory is { } pidDirectory)
        {
            PidFiles.Record(pidDirectory, handle.Pid, isolation, marker);
            if (handle.Exited.IsCompleted)
            {
                // It finished (and tried to forget itself) before it was recorded.
                PidFiles.Forget(pidDirectory, handle.Pid);
            }
        }

        _live.TryAdd(handle, 0);
        if (handle.Exited.IsCompleted)
        {
            // It finished (and tried to remove itself) before it was added.
            _live.TryRemove(handle, out _);
        }

        if (_disposed)
        {
            // Disposal raced with this start: it must not survive the runner.
            handle.Kill(StopReason.Stopped);
        }

        return handle;
    }

    private async Task<SandboxStatus> ProbeAsync()
    {
        var limits = (_tools.Prlimit is null
            ? " prlimit was not found, so commands run without rlimits."
            : " rlimits are applied with prlimit.") + ResourceLimits();
        var groups = _groups is not null;

        SandboxStatus status;
        if (_options.Mode == SandboxMode.None)
        {
            status = new SandboxStatus(_options.Mode, false, _tools.Bubblewrap, false, false, _tools.Prlimit, groups,
                "bubblewrap is switched off (Kiln:Sandbox:Mode=none): commands run without filesystem, pid or network isolation, " +
                "so they can reach Kiln's API, this machine's services and the internet; use this for development only." + limits);
            _logger.SandboxDegraded(status.Description);
            return status;
        }

        string? failure = null;
        string? networkFailure = null;
        var userNamespace = false;
        var isolateNetwork = true;
        if (_tools.Bubblewrap is null)
        {
            failure = "bwrap was not found on the search path; install it with 'apt-get install -y bubblewrap'.";
        }
        else
        {
            // With a network namespace first; a host that refuses one (some container runtimes) still gets the rest.
            foreach (var network in new[] { true, false })
            {
                isolateNetwork = network;
                failure = await TryBubblewrapAsync(Isolation.Bubblewrap, network);
                userNamespace = failure is null;
                if (failure is not null)
                {
                    var withoutUserNamespace = await TryBubblewrapAsync(Isolation.BubblewrapWithoutUserNamespace, network);
                    failure = withoutUserNamespace is null ? null : $"{failure} Without a user namespace: {withoutUserNamespace}";
                }

                if (failure is null)
                {
                    break;
                }

                networkFailure ??= failure;
            }
        }

        if (failure is null)
        {
            var who = userNamespace
                ? $"commands run in bubblewrap ({_tools.Bubblewrap}) as uid {SandboxInvocation.SandboxUid} in a user namespace, with a pid namespace, a read-only system"
                : $"commands run in bubblewrap ({_tools.Bubblewrap}) without a user namespace (unavailable here), with capabilities dropped, a pid namespace, a read-only system";
            var network = isolateNetwork
                ? " and a network namespace of their own: no route to Kiln, other projects, this machine's services or the internet; " +
                  "package installs reach only the allowed hosts (Kiln:Sandbox:AllowedHosts, by default the package registry) through Kiln's egress proxy."
                : $", but on the host's network, where they can reach Kiln's API, this machine's services and the internet: a network namespace does not work here ({networkFailure})";
            status = new SandboxStatus(_options.Mode, true, _tools.Bubblewrap, userNamespace, isolateNetwork, _tools.Prlimit, groups, who + network + limits);
            if (isolateNetwork && (groups || !Environment.IsPrivilegedProcess))
            {
                _logger.SandboxReady(status.Description);
            }
            else
            {
                _logger.SandboxDegraded(status.Description);
            }

            return status;
        }

        status = new SandboxStatus(_options.Mode, false, _tools.Bubblewrap, false, false, _tools.Prlimit, groups,
            $"bubblewrap does not work here: {failure} Commands run without filesystem, pid or network isolation." + limits);
        if (_options.Mode == SandboxMode.Required)
        {
            _logger.SandboxRequiredButUnavailable(status.Description);
        }
        else
        {
            _logger.SandboxDegraded(status.Description);
        }

        return status;
    }

    /// <summary>The resource-limit layer, as the start-up line says it.</summary>
    private string ResourceLimits()
    {
        if (_groups is not null)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $" Each command runs in cgroups of its own: at most {_options.MaxProcesses} processes (a command that reaches that is stopped), {_options.MaxMemoryBytes >> 20} MiB of memory and {_options.CpuCores} CPU cores.");
        }

        return Environment.IsPrivilegedProcess
            ? $" No cgroups ({_groupsUnavailable}), and Kiln runs as root, for whom the kernel does not apply RLIMIT_NPROC: a fork bomb is contained by the pid namespace but loads this machine until the command's timeout."
            : $" No cgroups ({_groupsUnavailable}): RLIMIT_NPROC ({_options.MaxProcesses}, counted in the command's user namespace) and RLIMIT_DATA bound each command.";
    }

    /// <summary>Runs 'true' exactly as a command would run; null when it worked, else why not.</summary>
    private async Task<string?> TryBubblewrapAsync(Isolation isolation, bool isolateNetwork)
    {
        var directory = Directory.CreateTempSubdirectory("kiln-sandbox-probe-").FullName;
        try
        {
            var spec = new ProcessSpec(["true"], directory, [directory]);
            var program = ResolveProgram(spec) ?? "true";
            var lines = Channel.CreateUnbounded<string>();
            await using var process = await LaunchCoreAsync(spec, program, isolation, isolateNetwork, lines, 64 * 1024, waitForReader: false, ProbeTimeout);
            var exitCode = await process.Exited;
            if (exitCode == 0)
            {
                return null;
            }

            var output = new StringBuilder();
            while (lines.Reader.TryRead(out var line))
            {
                output.Append(line).Append(' ');
            }

            return $"'bwrap ... true' exited with {exitCode}: {output.ToString().Trim()}";
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return $"bwrap could not be started: {exception.Message}.";
        }
        finally
        {
            DeleteQuietly(directory);
        }
    }

    private void Validate(ProcessSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (spec.Argv.Count == 0 || spec.Argv[0].Length == 0)
        {
            throw new ArgumentException("A process needs a program to run.", nameof(spec));
        }

        if (spec.Argv.Any(a => a.Contains('\0', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Arguments cannot contain NUL characters.", nameof(spec));
        }

        if (!Path.IsPathFullyQualified(spec.WorkingDirectory) || !Directory.Exists(spec.WorkingDirectory))
        {
            throw new ArgumentException($"The working directory '{spec.WorkingDirectory}' must be an existing absolute path.", nameof(spec));
        }

        foreach (var directory in spec.WritableDirectories)
        {
            if (!Path.IsPathFullyQualified(directory) || !Directory.Exists(directory) ||
                Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) == "/")
            {
                throw new ArgumentException($"The writable directory '{directory}' must be an existing absolute path other than '/'.", nameof(spec));
            }
        }

        var workingDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(spec.WorkingDirectory));
        if (!spec.WritableDirectories.Any(d => ProjectPaths.IsWithin(workingDirectory, Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)))))
        {
            // Under bubblewrap anything else is read-only or hidden (/tmp is private), so the command could not even start there.
            throw new ArgumentException($"The working directory '{spec.WorkingDirectory}' must be inside one of the writable directories.", nameof(spec));
        }

        if (spec.ExposedPort is { } exposed && (exposed is < 1 or > 65535 || (exposed == SandboxNetwork.EgressPort && spec.Egress is not null)))
        {
            throw new ArgumentOutOfRangeException(nameof(spec), exposed,
                $"An exposed port must be from 1 to 65535, and not {SandboxNetwork.EgressPort} (the egress proxy's) when the process has egress.");
        }

        if (spec.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(spec), timeout, "A timeout must be positive.");
        }

        ChildEnvironment.Validate(spec.Environment);
        ChildEnvironment.ValidateProjectVariables(spec.ProjectVariables);
    }

    private TimeSpan Clamp(TimeSpan timeout)
    {
        var max = TimeSpan.FromSeconds(_options.MaxTimeoutSeconds);
        return timeout > max ? max : timeout;
    }

    private List<string> WritableDirectories(ProcessSpec spec)
    {
        var directories = spec.WritableDirectories.Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).ToList();
        foreach (var extra in _options.ExtraWritableDirectories)
        {
            // Created on first use: bwrap cannot bind a directory that does not exist.
            directories.Add(Path.TrimEndingDirectorySeparator(Directory.CreateDirectory(extra).FullName));
        }

        return directories.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The configured PATH, then the project's own tool binaries last, so a package cannot shadow a system program.</summary>
    private string SearchPath(ProcessSpec spec) =>
        $"{_options.SearchPath}:{Path.Join(spec.WorkingDirectory, "node_modules", ".bin")}";

    /// <summary>The absolute path of the program, looked up the way the child's PATH will be; null when it does not exist.</summary>
    private string? ResolveProgram(ProcessSpec spec)
    {
        var program = spec.Argv[0];
        if (program.Contains('/', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(program, spec.WorkingDirectory);
            return IsExecutable(full) ? full : null;
        }

        return FindProgram(program, SearchPath(spec));
    }

    private static string? FindProgram(string name, string searchPath)
    {
        foreach (var directory in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Join(directory, name);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() && File.Exists(path) &&
        (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    private static void DeleteQuietly(string? directory)
    {
        if (directory is null)
        {
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless; the system's temp cleaning removes it.
        }
    }

    /// <summary>Kills every live process tree and waits for them; called by the host at shutdown.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var live = _live.Keys.ToList();
        if (live.Count > 0)
        {
            _logger.StoppingAll(live.Count);
        }

        foreach (var process in live)
        {
            await process.DisposeAsync();
        }

        _launcher.Dispose();
        _network.Dispose();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var process in _live.Keys)
        {
            process.Kill(StopReason.Stopped);
        }

        // Ending the launcher thread also fires the parent-death signal of every child it started.
        _launcher.Dispose();
        _network.Dispose();
    }
}
