using System.Threading.Channels;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Tools;

namespace Kiln.Fleet;

/// <summary>
/// Brings up the preview of a project a new owner just restored from its replica, as <c>start_dev_server</c> does: the
/// app's dependencies installed (the replica has no node_modules), then its dev server started on this disk's files. A
/// static app needs neither: its files are served as soon as they are restored. One at a time, after the activation
/// (an install can take longer than a call may wait); deleting the project or stopping Kiln cancels it.
/// </summary>
public sealed class RestoredPreviews(
    ProjectWorkspace workspace,
    IProjectStore store,
    EventLog events,
    DependencyInstaller installer,
    DevServerSupervisor devServers,
    ILogger<RestoredPreviews> logger) : BackgroundService, IProjectStateHolder
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly Lock _lock = new();
    private (string ProjectId, CancellationTokenSource Cancel)? _current;

    /// <summary>Queues the project's install and dev server start; nothing to do for a static app.</summary>
    public void Enqueue(string projectId)
    {
        if (PreviewSource.Detect(workspace.AppDirectory(projectId)).DevServer is not null)
        {
            _queue.Writer.TryWrite(projectId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var projectId in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                lock (_lock)
                {
                    _current = (projectId, cancel);
                }

                try
                {
                    await StartAsync(projectId, cancel.Token);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    // Deleted or given up meanwhile, or Kiln is stopping.
                }
                finally
                {
                    lock (_lock)
                    {
                        _current = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a preview not started yet starts on its next visit (once a prompt installed the dependencies).
        }
    }

    private async Task StartAsync(string projectId, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        var app = workspace.AppDirectory(projectId);
        // A generation queued meanwhile installs and starts what it needs itself; two installs in one app would collide.
        if (await store.GetAsync(projectId, cancellationToken) is not { } project || project.Status.IsBusy()
            || PreviewSource.Detect(app) is not { DevServer: { } script } source)
        {
            return;
        }

        if (source.CannotRunReason() is not null)
        {
            var context = new ToolContext(projectId, new AppDirectory(app), events, new FileProvenance(workspace.ScaffoldManifest(projectId)));
            var install = await installer.InstallAsync(context, [], dev: false, cancellationToken);
            if (!install.Succeeded)
            {
                logger.PreviewNotRestarted(install.Report);
                return;
            }
        }

        var outcome = await devServers.EnsureRunningAsync(projectId, script, explicitStart: true, cancellationToken);
        if (!outcome.Ready)
        {
            logger.PreviewNotRestarted(outcome.Failure ?? "the dev server did not start");
        }
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.StopProcesses;

    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken) => CancelAsync(projectId);

    /// <summary>Stops the project's install or start if it is the one running; a queued one finds no project, or finds it owned elsewhere, and stops there.</summary>
    public async ValueTask CancelAsync(string projectId)
    {
        CancellationTokenSource? running = null;
        lock (_lock)
        {
            if (_current is { } current && current.ProjectId == projectId)
            {
                running = current.Cancel;
            }
        }

        if (running is not null)
        {
            await running.CancelAsync();
        }
    }
}
