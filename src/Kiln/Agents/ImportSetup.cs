using System.Collections.Concurrent;
using System.Threading.Channels;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Tools;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>
/// Makes an imported app run, as a generation's end would leave it: its dependencies installed (through
/// <see cref="DependencyInstaller"/>, the one way installs run) and its dev server started and checked
/// (<see cref="AppStartCheck"/>). The project is <c>ready</c> only when the app runs (or needs no server); otherwise it
/// is <c>failed</c> with the reason, which is also an open error of the app for "Fix it". Owns every setup it runs:
/// deleting the project stops its setup, and Kiln stopping leaves it <c>interrupted</c>.
/// </summary>
public sealed partial class ImportSetup(
    IProjectStore store,
    ProjectWorkspace workspace,
    EventLog events,
    DependencyInstaller installer,
    PackageManager packageManager,
    AppStartCheck startCheck,
    PreviewErrors errors,
    PreviewOrigin previewOrigin,
    TimeProvider time,
    IOptions<AgentOptions> options,
    ILogger<ImportSetup> logger) : BackgroundService, IProjectStateHolder
{
    private const string InterruptedReason = "Kiln stopped while this imported app was being set up. Send a prompt (\"install and start the app\") to finish it.";

    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, RunningSetup> _running = new();

    /// <summary>Queues the setup of a project that was just imported (and is <c>queued</c> in the store).</summary>
    public ValueTask EnqueueAsync(string projectId, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(projectId, cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.MaxConcurrentGenerations).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var projectId in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                using var running = new RunningSetup(stoppingToken);
                _running[projectId] = running;
                try
                {
                    await SetUpAsync(projectId, running.Token);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    await FinishAsync(projectId, ProjectStatus.Interrupted, InterruptedReason);
                }
                catch (OperationCanceledException) when (running.Token.IsCancellationRequested)
                {
                    // The project is being deleted.
                }
                finally
                {
                    _running.TryRemove(projectId, out _);
                    running.Complete();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a setup still queued is left queued in the store, and ProjectRecovery marks it interrupted at the next start.
        }
    }

    private async Task SetUpAsync(string projectId, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        var now = time.GetUtcNow();
        var started = await store.UpdateAsync(projectId, project => project.Status == ProjectStatus.Queued
            ? project with { Status = ProjectStatus.Generating, StartedAt = now, UpdatedAt = now }
            : project, CancellationToken.None);
        if (started?.Status != ProjectStatus.Generating)
        {
            return; // Deleted or cancelled while it waited.
        }

        await events.AppendAsync(projectId, new StatusChanged(ProjectStatus.Generating, "Setting up the imported app"), CancellationToken.None);
        var app = workspace.AppDirectory(projectId);
        var source = PreviewSource.Detect(app);
        if (source.IsEmpty)
        {
            var nothing = $"The app does not start: {source.Problem}";
            await errors.ReportAsync(projectId, new PreviewErrorReport(PreviewErrorSource.DevServer, nothing), CancellationToken.None);
            await FinishAsync(projectId, ProjectStatus.Failed, nothing);
            return;
        }

        if (source.DevServer is not null)
        {
            var context = new ToolContext(projectId, new AppDirectory(app), events, new FileProvenance(workspace.ScaffoldManifest(projectId)));
            var install = await installer.RunAsync(context, [], dev: false, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            if (!install.Succeeded)
            {
                var tail = CommandReport.LastLines(install.Output, CommandTools.BuildErrorLines);
                // The same sentence AppStartCheck uses for an app that does not start, so "Fix it" reads them alike.
                var failed = $"The app does not start: its dependencies could not be installed with {packageManager.Name}.";
                await errors.ReportAsync(projectId, new PreviewErrorReport(PreviewErrorSource.DevServer, failed, Stack: tail), CancellationToken.None);
                await FinishAsync(projectId, ProjectStatus.Failed, failed, tail);
                return;
            }
        }

        // Starts the dev server (a static app needs none) and waits until it answers, or says why it does not.
        if (await startCheck.CheckAsync(projectId, cancellationToken) is { } notRunning)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await FinishAsync(projectId, ProjectStatus.Failed, notRunning);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (source.DevServer is null)
        {
            // A dev server announces its own preview; static files are served as soon as they are there.
            await events.AppendAsync(projectId, new PreviewReady(previewOrigin.UrlFor(projectId).ToString()), CancellationToken.None);
        }

        await FinishAsync(projectId, ProjectStatus.Ready, reason: null);
    }

    private async Task FinishAsync(string projectId, ProjectStatus status, string? reason, string? output = null)
    {
        var now = time.GetUtcNow();
        var preview = PreviewSource.Detect(workspace.AppDirectory(projectId)).IsEmpty ? null : previewOrigin.UrlFor(projectId).ToString();
        var stored = await store.UpdateAsync(projectId, project => project with
        {
            Status = status, Error = reason, UpdatedAt = now, FinishedAt = now, PreviewUrl = preview ?? project.PreviewUrl,
        }, CancellationToken.None);
        if (stored is null)
        {
            return; // Deleted meanwhile.
        }

        if (reason is not null)
        {
            await events.AppendAsync(projectId, new ErrorOccurred(reason, Output: output), CancellationToken.None);
        }

        await events.AppendAsync(projectId, new StatusChanged(status, reason), CancellationToken.None);
        LogFinished(logger, status, reason ?? "the app runs");
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.StopAgent;

    async ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        if (_running.TryGetValue(projectId, out var running))
        {
            running.Cancel();
            await running.Completion.WaitAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported app set up: {Status} ({Reason})")]
    private static partial void LogFinished(ILogger logger, ProjectStatus status, string reason);

    /// <summary>A setup in flight: how to stop it, and when it has stopped.</summary>
    private sealed class RunningSetup(CancellationToken stoppingToken) : IDisposable
    {
        private readonly CancellationTokenSource _cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken Token => _cancellation.Token;

        public Task Completion => _completion.Task;

        public void Cancel()
        {
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It finished while the cancel was on its way.
            }
        }

        public void Complete() => _completion.TrySetResult();

        public void Dispose() => _cancellation.Dispose();
    }
}
