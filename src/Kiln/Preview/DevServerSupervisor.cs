using System.Collections.Concurrent;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;

namespace Kiln.Preview;

/// <summary>
/// Owns every dev server Kiln runs: starts them on request (at most <see cref="PreviewOptions.MaxRunningServers"/>
/// at once, evicting the least recently used), stops the idle ones, and stops them all when Kiln stops. At start it
/// kills whatever a Kiln that was killed left behind, so no dev server is ever orphaned.
/// </summary>
public sealed class DevServerSupervisor : BackgroundService, IProjectStateHolder
{
    private readonly ConcurrentDictionary<string, DevServer> _servers = new(StringComparer.Ordinal);
    // One start at a time decides who is evicted, so two starts cannot both take the last slot.
    private readonly SemaphoreSlim _room = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ProjectWorkspace _workspace;
    private readonly PreviewOptions _options;
    private readonly DevServerRecords _records;
    private readonly TimeProvider _time;
    private readonly ILogger<DevServerSupervisor> _logger;
    private readonly PreviewErrors _errors;
    private readonly DevServerHost _host;

    public DevServerSupervisor(
        SandboxedProcessRunner runner,
        ProjectDiskUsage disk,
        ProjectEnvironment environment,
        ProjectWorkspace workspace,
        EventLog events,
        PreviewOrigin origin,
        PortPool ports,
        PreviewUpstream upstream,
        IOptions<PreviewOptions> options,
        TimeProvider time,
        ILogger<DevServerSupervisor> logger,
        PreviewErrors errors,
        HostPaths hostPaths,
        ViteSourceTags sourceTags)
    {
        _workspace = workspace;
        _options = options.Value;
        _records = new DevServerRecords(workspace);
        _time = time;
        _logger = logger;
        _errors = errors;
        _host = new DevServerHost(
            runner, disk, environment, events, hostPaths, workspace, ports, _records, upstream, origin, sourceTags, _options, time, logger, MakeRoomAsync, _stopping.Token);
    }

    /// <summary>
    /// Starts the project's dev server unless it already runs, and waits for the outcome. Cancelling the wait does
    /// not cancel the start, which other callers may be waiting for too.
    /// </summary>
    public Task<DevServerOutcome> EnsureRunningAsync(string projectId, DevServerScript script, bool explicitStart, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        return Server(projectId).StartAsync(script, explicitStart).WaitAsync(cancellationToken);
    }

    /// <summary>The port of the project's dev server when it runs and answers.</summary>
    public int? RunningPort(string projectId) => _servers.TryGetValue(projectId, out var server) ? server.RunningPort : null;

    /// <summary>Dev servers running now.</summary>
    public int RunningCount => _servers.Values.Count(server => server.State == DevServerState.Running);

    public DevServerState State(string projectId) => _servers.TryGetValue(projectId, out var server) ? server.State : DevServerState.Stopped;

    public DevServerStatus Status(string projectId) =>
        _servers.TryGetValue(projectId, out var server)
            ? server.Status()
            : new DevServerStatus(DevServerState.Stopped, null, null, null, 0, null, [], []);

    /// <summary>Counts a proxied request as use of the project's server (never idle while any is in flight).</summary>
    internal DevServer.RequestLease BeginRequest(string projectId) =>
        _servers.TryGetValue(projectId, out var server) ? server.BeginRequest() : new DevServer.RequestLease(null);

    public async Task StopServerAsync(string projectId, DevServerStopReason reason, CancellationToken cancellationToken)
    {
        if (_servers.TryGetValue(projectId, out var server))
        {
            await server.StopAsync(reason).WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Restarts the project's dev server when it runs or is starting, so it reads what changed outside its files (the
    /// project's variables and secrets); a stopped one reads them when it next starts. True when it was restarted and answers.
    /// </summary>
    public async Task<bool> RestartIfRunningAsync(string projectId, DevServerStopReason reason, CancellationToken cancellationToken)
    {
        if (State(projectId) is not (DevServerState.Running or DevServerState.Starting))
        {
            return false;
        }

        await StopServerAsync(projectId, reason, cancellationToken);
        var source = PreviewSource.Detect(_workspace.AppDirectory(projectId));
        if (source.DevServer is null || source.CannotRunReason() is not null)
        {
            return false;
        }

        var outcome = await EnsureRunningAsync(projectId, source.DevServer, explicitStart: true, cancellationToken);
        return outcome.Ready;
    }

    /// <summary>Stops the server of a project that is being deleted and forgets it.</summary>
    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.StopProcesses;

    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken) => new(ForgetAsync(projectId));

    public async Task ForgetAsync(string projectId)
    {
        if (_servers.TryRemove(projectId, out var server))
        {
            await server.StopAsync(DevServerStopReason.Deleted);
            await server.DisposeAsync();
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_records.KillLeftovers() is > 0 and var killed)
        {
            _logger.LeftoversKilled(killed);
        }

        return base.StartAsync(cancellationToken);
    }

    /// <summary>Stops idle servers: a quarter of the idle time late at most, and at least every 30 seconds.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Min(_options.IdleTimeout.Ticks / 4, TimeSpan.FromSeconds(30).Ticks));
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var server in _servers.Values)
                {
                    if (server.State == DevServerState.Running && server.InFlight == 0 &&
                        _time.GetElapsedTime(server.LastUsed) >= _options.IdleTimeout)
                    {
                        await server.StopAsync(DevServerStopReason.Idle);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops every dev server and waits until their processes are gone.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_stopping.IsCancellationRequested)
        {
            // The host may stop its services more than once (a test host stops, then disposes).
            return;
        }

        await _stopping.CancelAsync();
        var servers = _servers.Values.ToList();
        if (servers.Count > 0)
        {
            _logger.StoppingAllDevServers(servers.Count);
        }

        await Task.WhenAll(servers.Select(server => server.DisposeAsync().AsTask()));
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        _room.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Before <paramref name="starting"/> starts: while the running servers fill every slot, stops the least
    /// recently used. Only running servers are evicted, never one that is itself starting.
    /// </summary>
    private async Task MakeRoomAsync(DevServer starting, CancellationToken cancellationToken)
    {
        await _room.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                var others = _servers.Values
                    .Where(s => s != starting && s.State is DevServerState.Running or DevServerState.Starting)
                    .ToList();
                if (others.Count < _options.MaxRunningServers)
                {
                    return;
                }

                var victim = others.Where(s => s.State == DevServerState.Running).MinBy(s => s.LastUsed);
                if (victim is null)
                {
                    // Every slot is taken by servers that are themselves starting: run over the limit for now.
                    return;
                }

                _logger.Evicting(victim.ProjectId);

                await victim.StopAsync(DevServerStopReason.Evicted);
            }
        }
        finally
        {
            _room.Release();
        }
    }

    private DevServer Server(string projectId) =>
        _servers.GetOrAdd(projectId, id => new DevServer(
            id,
            _workspace.AppDirectory(id),
            // Compile errors the server prints are collected for the agent (preview_error events).
            new DevServerOutput(_workspace.LogsDirectory(id), _workspace.AppDirectory(id), report => _errors.ReportAsync(id, report, CancellationToken.None)),
            _host));
}
