using System.Collections.Concurrent;
using System.Threading.Channels;
using Kiln.Events;
using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>
/// Owns every generation: queues prompts in arrival order, runs at most
/// <see cref="AgentOptions.MaxConcurrentGenerations"/> at once, cancels on request, and on shutdown leaves
/// what it could not finish as <c>interrupted</c>.
/// </summary>
public sealed partial class GenerationScheduler(
    GenerationRunner runner,
    IProjectStore store,
    EventLog events,
    TimeProvider time,
    IOptions<AgentOptions> options,
    ILogger<GenerationScheduler> logger,
    KilnMetrics metrics,
    ErrorFixer fixer) : BackgroundService, IProjectStateHolder
{
    private readonly Channel<GenerationRequest> _queue = Channel.CreateUnbounded<GenerationRequest>();
    private readonly ConcurrentDictionary<string, RunningGeneration> _running = new();
    // Draining: start nothing new. Interrupting: stop what runs, as if Kiln itself were stopping.
    private readonly CancellationTokenSource _draining = new();
    private readonly CancellationTokenSource _interrupting = new();
    private int _waiting;

    /// <summary>Generations waiting for a worker.</summary>
    public int QueuedCount => Volatile.Read(ref _waiting);

    /// <summary>Generations running now.</summary>
    public int RunningCount => _running.Count;

    /// <summary>Queues a prompt whose project is already <c>queued</c> in the store.</summary>
    public async Task EnqueueAsync(GenerationRequest request, CancellationToken cancellationToken)
    {
        var position = Interlocked.Increment(ref _waiting);
        await events.AppendAsync(request.ProjectId, new GenerationQueued(request.Prompt, request.PromptNumber, position), cancellationToken);
        await _queue.Writer.WriteAsync(request, cancellationToken);
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.StopAgent;

    async ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken) =>
        await CancelAsync(projectId, "The project is being deleted.", cancellationToken);

    /// <summary>
    /// Cancels the project's queued or running generation. Returns false when it has none. A running one is
    /// waited for, so its files are quiet when this returns.
    /// </summary>
    public async Task<bool> CancelAsync(string projectId, string reason, CancellationToken cancellationToken)
    {
        if (_running.TryGetValue(projectId, out var running))
        {
            running.Cancel(reason);
            await running.Completion.WaitAsync(cancellationToken);
            return true;
        }

        // Still queued: mark it cancelled; the worker skips it when its turn comes.
        var cancelled = false;
        await store.UpdateAsync(projectId, project =>
        {
            // The store may run this more than once (Redis retries on a conflict): only the last run counts.
            cancelled = project.Status == ProjectStatus.Queued;
            if (!cancelled)
            {
                return project;
            }

            return project with { Status = ProjectStatus.Cancelled, UpdatedAt = time.GetUtcNow(), FinishedAt = time.GetUtcNow() };
        }, cancellationToken);

        if (cancelled)
        {
            await events.AppendAsync(projectId, new GenerationCancelled(reason), cancellationToken);
            await events.AppendAsync(projectId, new StatusChanged(ProjectStatus.Cancelled, reason), cancellationToken);
            return true;
        }

        // It may have started between the two checks.
        if (_running.TryGetValue(projectId, out running))
        {
            running.Cancel(reason);
            await running.Completion.WaitAsync(cancellationToken);
            return true;
        }

        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Enumerable.Range(0, options.Value.MaxConcurrentGenerations).Select(_ => WorkAsync(stoppingToken));
        await Task.WhenAll(workers);
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        using var taking = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _draining.Token);
        try
        {
            // Not ReadAllAsync: it hands out what is buffered without looking at its token, and a draining worker
            // must not start the next queued generation.
            while (await _queue.Reader.WaitToReadAsync(taking.Token))
            {
                if (!taking.IsCancellationRequested && _queue.Reader.TryRead(out var request))
                {
                    Interlocked.Decrement(ref _waiting);
                    await RunAsync(request, stoppingToken);
                }

                taking.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (taking.IsCancellationRequested)
        {
            // Draining or shutting down. Whatever is still queued is marked interrupted by InterruptAsync, or at the next start.
        }
    }

    /// <summary>
    /// Shutdown, first step: start no queued generation from now on. Running ones go on; <see cref="WhenIdleAsync"/>
    /// completes when they have all finished.
    /// </summary>
    public void StopTakingWork() => _draining.Cancel();

    /// <summary>Completes when every worker has finished its generation, after <see cref="StopTakingWork"/>.</summary>
    public Task WhenIdleAsync => ExecuteTask ?? Task.CompletedTask;

    /// <summary>
    /// Shutdown, last step: running generations end as <c>interrupted</c>, then queued ones are marked
    /// <c>interrupted</c> too, each with its events, so no project is left queued or generating.
    /// </summary>
    public async Task InterruptAsync(CancellationToken cancellationToken)
    {
        StopTakingWork();
        await _interrupting.CancelAsync();
        await WhenIdleAsync.WaitAsync(cancellationToken);

        const string reason = "Kiln stopped before this generation started. Send the prompt again to continue.";
        while (_queue.Reader.TryRead(out var request))
        {
            Interlocked.Decrement(ref _waiting);
            var now = time.GetUtcNow();
            var interrupted = await store.UpdateAsync(request.ProjectId, project => project.Status == ProjectStatus.Queued
                ? project with { Status = ProjectStatus.Interrupted, Error = reason, UpdatedAt = now, FinishedAt = now }
                : project, CancellationToken.None);
            if (interrupted?.Status == ProjectStatus.Interrupted)
            {
                await events.AppendAsync(request.ProjectId, new ErrorOccurred(reason), CancellationToken.None);
                await events.AppendAsync(request.ProjectId, new StatusChanged(ProjectStatus.Interrupted, reason), CancellationToken.None);
            }
        }
    }

    private async Task RunAsync(GenerationRequest request, CancellationToken stoppingToken)
    {
        // A follow-up is let in as soon as the previous generation has stored its outcome, which it does before writing
        // its last events: that one may still be finishing here. Wait for it rather than drop the follow-up.
        while (_running.TryGetValue(request.ProjectId, out var previous))
        {
            await previous.Completion;
        }

        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _interrupting.Token);
        var running = new RunningGeneration(shutdown.Token);
        if (!_running.TryAdd(request.ProjectId, running))
        {
            // Cannot happen: the store lets one generation per project be queued at a time.
            LogAlreadyRunning(logger, request.ProjectId);
            return;
        }

        // One span per generation; tool calls made during it are its children.
        using var span = KilnTelemetry.StartGeneration(request.ProjectId, request.PromptNumber);
        var dequeuedAt = time.GetUtcNow();
        try
        {
            await runner.RunAsync(request, running, running.Token);
        }
        catch (OwnershipLostException exception)
        {
            // Another instance took the project over: this generation's writes, its final status too, are refused, and
            // its owner here is stopping it. The worker goes on with the other projects.
            LogOwnershipLost(logger, request.ProjectId, exception.Epoch);
        }
        finally
        {
            _running.TryRemove(request.ProjectId, out _);
            running.Complete();
            await RecordOutcomeAsync(request.ProjectId, dequeuedAt, span);
        }

        await AutoFixAsync(request, stoppingToken);
    }

    private async Task RecordOutcomeAsync(string projectId, DateTimeOffset dequeuedAt, System.Diagnostics.Activity? span)
    {
        // The runner stamps StartedAt and FinishedAt; one that did not start (cancelled while queued, deleted) is not timed.
        if (await store.GetAsync(projectId, CancellationToken.None) is { StartedAt: { } started, FinishedAt: { } finished } project && started >= dequeuedAt)
        {
            metrics.GenerationRan(project.Status, finished - started);
            KilnTelemetry.SetOutcome(span, project.Status, project.Error);
        }
    }

    public override void Dispose()
    {
        _draining.Dispose();
        _interrupting.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Queues the fix Kiln:Agent:AutoFix asks for after a generation with errors. Only once the generation has left
    /// <c>_running</c>: another worker may start the fix at once.
    /// </summary>
    private async Task AutoFixAsync(GenerationRequest finished, CancellationToken stoppingToken)
    {
        try
        {
            if (await fixer.AfterGenerationAsync(finished, stoppingToken) is { } fix)
            {
                await EnqueueAsync(fix, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: a queued fix is marked interrupted at the next start, like any queued prompt.
        }
#pragma warning disable CA1031 // A worker must outlive a failed auto-fix: the generation itself has ended and been recorded.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogAutoFixFailed(logger, finished.ProjectId, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Project {ProjectId}: the automatic fix after its generation failed")]
    private static partial void LogAutoFixFailed(ILogger logger, string projectId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Project {ProjectId}: its generation here ended without a final status, another instance took the project over (epoch {Epoch} is stale)")]
    private static partial void LogOwnershipLost(ILogger logger, string projectId, long epoch);

    [LoggerMessage(Level = LogLevel.Error, Message = "Project {ProjectId} was dequeued while it already had a running generation")]
    private static partial void LogAlreadyRunning(ILogger logger, string projectId);
}

/// <summary>A generation in flight: how to cancel it, why it was cancelled, and when it has finished.</summary>
public sealed class RunningGeneration : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunningGeneration(CancellationToken stoppingToken)
    {
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        ShutdownToken = stoppingToken;
    }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>Set when Kiln itself is stopping: the generation ends as interrupted, not cancelled.</summary>
    public CancellationToken ShutdownToken { get; }

    /// <summary>Why a person cancelled it; null when nobody did.</summary>
    public string? CancelReason { get; private set; }

    public Task Completion => _completion.Task;

    public void Cancel(string reason)
    {
        CancelReason ??= reason;
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It finished while the cancel was on its way; there is nothing left to stop.
        }
    }

    public void Complete()
    {
        _completion.TrySetResult();
        Dispose();
    }

    public void Dispose() => _cancellation.Dispose();

}
