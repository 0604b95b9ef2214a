using System.Globalization;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Sandbox;

namespace Kiln.Preview;

/// <summary>
/// One project's dev server across its runs: started on request, watched while it runs, restarted once after a
/// crash, stopped when idle, evicted or no longer wanted. Every task it starts is kept here and awaited when it
/// is disposed; the <see cref="DevServerSupervisor"/> owns the dev servers and decides which may run.
/// </summary>
internal sealed class DevServer : IAsyncDisposable
{
    /// <summary>Automatic restarts after a crash before the server is left crashed until someone asks again.</summary>
    private const int MaxAutomaticRestarts = 1;

    private readonly DevServerHost _host;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private DevServerState _state = DevServerState.Stopped;
    private DevServerRun? _run;
    private Task<DevServerOutcome>? _starting;
    private Task? _watching;
    // Bumped by every stop: a start that began before it sees the change and gives up instead of running on.
    private int _epoch;
    private int _automaticRestarts;
    private int _restarts;
    private int? _lastExitCode;
    private long _lastUsed;
    private int _inFlight;

    public DevServer(string projectId, string appDirectory, DevServerOutput output, DevServerHost host)
    {
        ProjectId = projectId;
        AppDirectory = appDirectory;
        Output = output;
        _host = host;
        _logger = host.Logger;
        _time = host.Time;
        _lastUsed = _time.GetTimestamp();
    }

    public string ProjectId { get; }

    public string AppDirectory { get; }

    public DevServerOutput Output { get; }

    public DevServerState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>The port of a server that is running and answering, else null.</summary>
    public int? RunningPort
    {
        get
        {
            lock (_lock)
            {
                return _state == DevServerState.Running ? _run?.Port : null;
            }
        }
    }

    /// <summary>When it last served a request, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>Requests (and WebSockets) being proxied to it right now; a server with any is never idle.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Touch() => Volatile.Write(ref _lastUsed, _time.GetTimestamp());

    /// <summary>Marks a proxied request as in flight until the returned lease is disposed.</summary>
    public RequestLease BeginRequest()
    {
        Interlocked.Increment(ref _inFlight);
        Touch();
        return new RequestLease(this);
    }

    /// <summary>
    /// Starts the server unless it runs or is starting already, and returns how the start ended. The start belongs
    /// to this server, not to the caller: a caller that stops waiting leaves it running to its end.
    /// <paramref name="explicitStart"/> (the model's start_dev_server, a page load after a crash) renews the
    /// allowance of automatic restarts.
    /// </summary>
    public Task<DevServerOutcome> StartAsync(DevServerScript script, bool explicitStart)
    {
        lock (_lock)
        {
            if (_state == DevServerState.Running && _run is { } run)
            {
                return Task.FromResult(DevServerOutcome.Running(run.Port, run.Command, alreadyRunning: true));
            }

            if (_starting is { IsCompleted: false } pending)
            {
                return pending;
            }

            if (explicitStart)
            {
                _automaticRestarts = 0;
            }

            _state = DevServerState.Starting;
            _starting = StartDetached(script);
            return _starting;
        }
    }

    /// <summary>Kills the running server, if any, and waits until its processes are gone. A start in progress gives up.</summary>
    public async Task StopAsync(DevServerStopReason reason)
    {
        DevServerRun? run;
        lock (_lock)
        {
            _epoch++;
            run = _run;
            _run = null;
            _state = DevServerState.Stopped;
        }

        if (run is null)
        {
            return;
        }

        await run.StopAsync();
        Release(run);
        _logger.DevServerStopped(run.Port, reason);
        if (reason is not (DevServerStopReason.Deleted or DevServerStopReason.Shutdown))
        {
            await _host.Events.AppendAsync(ProjectId, new ServerStopped(run.Port, reason), CancellationToken.None);
        }
    }

    public DevServerStatus Status()
    {
        lock (_lock)
        {
            var run = _run;
            var running = _state is DevServerState.Running or DevServerState.Starting && run is not null;
            return new DevServerStatus(
                _state,
                running ? run!.Port : null,
                run?.Command,
                running ? _time.GetElapsedTime(run!.StartedAt) : null,
                _restarts,
                _lastExitCode,
                Output.Errors(),
                Output.Tail(15));
        }
    }

    /// <summary>Stops the server for good and waits for every task it started.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(DevServerStopReason.Shutdown);
        Task? starting;
        Task? watching;
        lock (_lock)
        {
            starting = _starting;
            watching = _watching;
        }

        if (starting is not null)
        {
            await starting;
        }

        if (watching is not null)
        {
            await watching;
        }
    }

    /// <summary>
    /// Starts a run that belongs to the server, not to whoever asked: it does not inherit the caller's logging
    /// scopes or trace (an MCP request, a page load), which would otherwise label its logs for as long as it runs.
    /// Called under the lock.
    /// </summary>
    private Task<DevServerOutcome> StartDetached(DevServerScript script)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return StartCoreAsync(script, _epoch);
        }
    }

    private async Task<DevServerOutcome> StartCoreAsync(DevServerScript script, int epoch)
    {
        // Called under the lock: run the rest on the thread pool, never inline while the caller holds it.
        await Task.Yield();
        using var scope = ProjectLogScope.Begin(_logger, ProjectId);
        try
        {
            await _host.MakeRoomAsync(this, _host.Stopping);
        }
        catch (OperationCanceledException)
        {
            return Abandoned();
        }

        // Read at each start: a change of the project's variables or secrets restarts the server (RestartIfRunningAsync).
        AppEnvironment appEnvironment;
        try
        {
            appEnvironment = await _host.Environment.ForProcessesAsync(ProjectId, _host.Stopping);
        }
        catch (OperationCanceledException)
        {
            return Abandoned();
        }

        for (var attempt = 1; ; attempt++)
        {
            if (_host.Ports.Rent() is not { } port)
            {
                return await FailAsync(
                    $"No port is free in Kiln's preview pool ({_host.Options.PortRangeStart}-{_host.Options.PortRangeEnd}).", epoch, null, null);
            }

            // Select-to-edit's source tags where the app's Vite can run Kiln's config; any other app runs as it is.
            var tags = ViteSourceTags.Supports(AppDirectory, script) ? _host.SourceTags : null;
            var (argv, environment) = script.CommandFor(port, AppDirectory, tags?.ViteArguments());
            // As a person reads it, in the log and the server_started event: relative to the app, not where it lives on the host.
            var command = _host.HostPaths.RelativeToApp(ProjectId, string.Join(' ', argv));
            var log = Output.BeginRun(string.Create(CultureInfo.InvariantCulture, $"--- {_time.GetUtcNow():O} {command} (port {port}) ---"));
            DevServerRun run;
            try
            {
                var process = await _host.Runner.StartAsync(
                    new ProcessSpec(argv, AppDirectory, [AppDirectory])
                    {
                        Environment = environment,
                        ProjectVariables = appEnvironment.Variables,
                        CpuSeconds = _host.Options.DevServerCpuSeconds,
                        ReadOnlyDirectories = ProtectedDirectories.Of(AppDirectory),
                        VisibleDirectories = tags is null ? [] : [tags.Directory],
                        // Kiln alone reaches it: in a network namespace of its own, through a Unix socket.
                        ExposedPort = port,
                        // A dev server writes caches; one that fills the disk is stopped like a command.
                        DiskQuota = _host.Disk.QuotaFor(ProjectId),
                        PidDirectory = _host.Workspace.PidDirectory(ProjectId),
                    },
                    _host.Stopping);
                run = new DevServerRun(process, port, command, log, Output, appEnvironment.Redactor, _time.GetTimestamp());
                if (process.ExposedSocket is { } socket)
                {
                    _host.Upstream.Route(port, socket);
                }
            }
            catch (Exception exception) when (exception is FileNotFoundException or SandboxUnavailableException or IOException or OperationCanceledException)
            {
                _host.Ports.Return(port);
                await log.DisposeAsync();
                return exception is OperationCanceledException
                    ? Abandoned()
                    : await FailAsync($"The dev server could not be started: {exception.Message}", epoch, port, command);
            }

            bool stale;
            lock (_lock)
            {
                stale = _epoch != epoch;
                if (!stale)
                {
                    _run = run;
                }
            }

            if (stale)
            {
                await run.StopAsync();
                Release(run);
                return Abandoned();
            }

            _host.Records.Write(ProjectId, run.Process.Pid);
            _logger.DevServerStarting(command, port, run.Process.Pid);
            await _host.Events.AppendAsync(ProjectId, new ServerStarted(port, command), CancellationToken.None);

            var readiness = await DevServerProbe.WaitUntilAnswersAsync(
                run, _host.Upstream.Invoker, _host.Options.StartTimeout, _time, _host.Stopping);
            if (readiness == DevServerReadiness.Answered)
            {
                lock (_lock)
                {
                    stale = _epoch != epoch;
                    if (!stale)
                    {
                        _state = DevServerState.Running;
                        _watching = WatchAsync(run, script);
                    }
                }

                if (stale)
                {
                    // Stopped while it came up; the stop has already killed it.
                    return Abandoned();
                }

                Touch();
                var url = _host.Origin.UrlFor(ProjectId).ToString();
                var elapsed = _time.GetElapsedTime(run.StartedAt);
                _logger.DevServerReady(port, elapsed);
                await _host.Events.AppendAsync(ProjectId, new PreviewReady(url), CancellationToken.None);
                return DevServerOutcome.Running(port, command);
            }

            lock (_lock)
            {
                stale = _epoch != epoch;
                if (_run == run)
                {
                    _run = null;
                }
            }

            await run.StopAsync();
            Release(run);
            if (stale || readiness == DevServerReadiness.Stopped)
            {
                return Abandoned();
            }

            if (readiness == DevServerReadiness.Exited && attempt == 1 && run.PortWasTaken())
            {
                _logger.PortTaken(port);
                continue;
            }

            lock (_lock)
            {
                _lastExitCode = readiness == DevServerReadiness.Exited ? run.ExitCode : null;
            }

            var failure = readiness == DevServerReadiness.TimedOut
                ? $"The dev server ({command}) did not answer HTTP on port {port} within {_host.Options.StartTimeout.TotalSeconds:0} seconds."
                : $"The dev server ({command}) exited with code {run.ExitCode} before it answered HTTP.";
            return await FailAsync(failure, epoch, port, command);
        }
    }

    /// <summary>Waits for the end of a running server; a death nobody asked for is a crash, restarted once.</summary>
    private async Task WatchAsync(DevServerRun run, DevServerScript script)
    {
        var exitCode = await run.Process.Exited;
        await run.Pump;
        Release(run);

        bool restart;
        int epoch;
        lock (_lock)
        {
            if (_run != run || run.StopRequested)
            {
                return;
            }

            _run = null;
            _state = DevServerState.Crashed;
            _lastExitCode = exitCode;
            epoch = _epoch;
            // Restarted, it would only fill the project again.
            restart = _automaticRestarts < MaxAutomaticRestarts && !_host.Stopping.IsCancellationRequested && run.Process.QuotaExceeded is null;
        }

        // The start that created this watch set the project's logging scope, which flows here.
        var uptime = _time.GetElapsedTime(run.StartedAt);
        var quota = run.Process.QuotaExceeded;
        var message = quota is not null
            ? $"The dev server ({run.Command}) was stopped: {quota.Describe()} (Kiln:Quotas:MaxProjectBytes)."
            : string.Create(CultureInfo.InvariantCulture,
                $"The dev server ({run.Command}) crashed with exit code {exitCode} after {uptime.TotalSeconds:0.#} seconds.");
        Output.AddError(message);
        _logger.DevServerCrashed(exitCode, restart);
        await _host.Events.AppendAsync(ProjectId, new ErrorOccurred(
            message,
            quota is not null
                ? "It stays stopped. Free space (delete build output, generated or downloaded files the app does not need), then call start_dev_server."
                : restart
                ? "Kiln restarts it once. If it crashes again, fix the error its output shows, then call start_dev_server."
                : "It crashed again after a restart and stays stopped: fix the error its output shows, then call start_dev_server.",
            string.Join('\n', Output.Tail(20))), CancellationToken.None);

        if (!restart)
        {
            return;
        }

        lock (_lock)
        {
            // Someone stopped or started it meanwhile; their word is the last.
            if (_epoch != epoch || _state != DevServerState.Crashed)
            {
                return;
            }

            _automaticRestarts++;
            _restarts++;
            _state = DevServerState.Starting;
            _starting = StartDetached(script);
        }
    }

    private async Task<DevServerOutcome> FailAsync(string failure, int epoch, int? port, string? command)
    {
        lock (_lock)
        {
            if (_epoch == epoch)
            {
                _state = DevServerState.Crashed;
            }
        }

        Output.AddError(failure);
        var tail = Output.Tail(20);
        _logger.DevServerStartFailed(failure);
        await _host.Events.AppendAsync(ProjectId, new ErrorOccurred(
            failure, "Fix what its output shows, then call start_dev_server again.", string.Join('\n', tail)), CancellationToken.None);
        return DevServerOutcome.Failed(failure, tail, port, command);
    }

    private static DevServerOutcome Abandoned() => DevServerOutcome.Failed("The dev server was stopped while it was starting.", []);

    private void Release(DevServerRun run)
    {
        if (run.TryRelease())
        {
            _host.Upstream.Unroute(run.Port);
            _host.Ports.Return(run.Port);
            _host.Records.Delete(ProjectId);
        }
    }

    /// <summary>A proxied request in flight; disposing it ends the request and counts as use.</summary>
    public readonly struct RequestLease(DevServer? server) : IDisposable
    {
        public void Dispose()
        {
            if (server is not null)
            {
                Interlocked.Decrement(ref server._inFlight);
                server.Touch();
            }
        }
    }
}
