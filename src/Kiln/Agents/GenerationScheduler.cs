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
    ILogger<GenerationScheduler> logger) : BackgroundService
{
    private readonly Channel<GenerationRequest> _queue = Channel.CreateUnbounded<GenerationRequest>();
    private readonly ConcurrentDictionary<string, RunningGeneration> _running = new();
    private int _waiting;

    /// <summary>Queues a prompt whose project is already <c>queued</c> in the store.</summary>
    public async Task EnqueueAsync(GenerationRequest request, CancellationToken cancellationToken)
    {
        var position = Interlocked.Increment(ref _waiting);
        await events.AppendAsync(request.ProjectId, new GenerationQueued(request.Prompt, request.PromptNumber, position), cancellationToken);
        await _queue.Writer.WriteAsync(request, cancellationToken);
    }

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
        try
        {
            await foreach (var request in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                Interlocked.Decrement(ref _waiting);
                await RunAsync(request, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down. Whatever is still queued is marked interrupted at the next start.
        }
    }

    private async Task RunAsync(GenerationRequest request, CancellationToken stoppingToken)
    {
        var running = new RunningGeneration(stoppingToken);
        if (!_running.TryAdd(request.ProjectId, running))
        {
            // Cannot happen: the store lets one generation per project be queued at a time.
            LogAlreadyRunning(logger, request.ProjectId);
            return;
        }

        try
        {
            await runner.RunAsync(request, running, running.Token);
        }
        finally
        {
            _running.TryRemove(request.ProjectId, out _);
            running.Complete();
        }
    }

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
