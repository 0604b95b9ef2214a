using Kiln.Browser;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Tools;
using Kiln.Versions;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>
/// Runs one generation from <c>queued</c> to its outcome, and is the one place that decides the outcome:
/// every way a run can end leaves the project in a final status with the events that explain it.
/// </summary>
public sealed partial class GenerationRunner(
    IProjectStore store,
    EventLog events,
    ProjectWorkspace workspace,
    ModelEndpointResolver models,
    PreviewOrigin previewOrigin,
    IAgentRuntime runtime,
    AttachmentStore attachments,
    TimeProvider time,
    ILogger<GenerationRunner> logger,
    VersionHistory versions,
    PreviewErrors previewErrors,
    AppBriefing briefing,
    RegressionGuard regressions,
    ModelPrices prices,
    IOptions<AgentOptions> options,
    AppStartCheck startCheck,
    HandEdits handEdits)
{
    public async Task RunAsync(GenerationRequest request, RunningGeneration running, CancellationToken cancellationToken)
    {
        var projectId = request.ProjectId;
        using var scope = ProjectLogScope.Begin(logger, projectId);

        var project = await MarkStartedAsync(projectId);
        if (project is null)
        {
            return;
        }

        var started = time.GetTimestamp();
        // A plan prompt reads and answers: it changes nothing, so it leaves no version and clears no error.
        var mode = project.Prompts.ElementAtOrDefault(request.PromptNumber - 1)?.Mode ?? PromptMode.Build;
        var plan = mode == PromptMode.Plan;
        // Whatever ends the run, what it spent so far is recorded on its prompt and the project.
        ModelEndpoint? model = null;
        PromptSpend? spend = null;
        Project Spent(Project project) => WithSpend(project, request.PromptNumber, spend, model);
        try
        {
            model = await models.ResolveAsync(project.Model, cancellationToken);
            spend = new PromptSpend(request.MaxBudgetUsd ?? options.Value.MaxBudgetUsd, request.SpentBeforeUsd, prices.For(model));
            await events.AppendAsync(projectId, new StatusChanged(ProjectStatus.Generating), CancellationToken.None);
            await events.AppendAsync(projectId, new GenerationStarted(request.Prompt, request.PromptNumber, runtime.Name, model.Id, mode), CancellationToken.None);
            LogStarted(logger, runtime.Name, model);
            // The briefing describes the app as the prompt found it, errors included, before they are cleared below.
            workspace.Create(projectId);
            // The person's edits not yet in a version become one (author "you") before the agent touches anything.
            await handEdits.FlushAsync(projectId, cancellationToken);
            var brief = briefing.Describe(projectId) + await briefing.DescribeHandEditsAsync(projectId, cancellationToken)
                + EnvironmentBriefing.Describe(project)
                + (plan ? AppBriefing.DescribePlanMode() : "");
            if (!plan)
            {
                // The errors collected so far are what this prompt is about (or out of date); what it causes is collected anew.
                await previewErrors.ClearAsync(projectId, "generation_started", sources: null, CancellationToken.None);
                regressions.Begin(projectId);
            }

            var prompt = await versions.PromptForAgentAsync(projectId, request.Prompt, cancellationToken);
            var files = await attachments.LoadAsync(request, cancellationToken);
            var outcome = await runtime.RunAsync(
                new AgentRun(project, prompt, model, workspace.AppDirectory(projectId), workspace.SessionDirectory(projectId), spend, files, brief, mode),
                cancellationToken);

            var duration = time.GetElapsedTime(started);
            await FinishAsync(projectId, ProjectStatus.Ready, reason: null, project => Spent(project) with
            {
                SessionId = outcome.SessionId ?? project.SessionId,
                Error = null,
            }, new GenerationCompleted(outcome.Summary, outcome.Turns, spend.Usage, spend.CostUsd, (long)duration.TotalMilliseconds, outcome.Context, model.Id), plan, running.Token);
            LogCompleted(logger, outcome.Turns, (long)duration.TotalMilliseconds, spend.Usage.InputTokens, spend.Usage.OutputTokens, spend.CostUsd);
        }
        catch (OperationCanceledException) when (running.CancelReason is { } reason)
        {
            await FinishAsync(projectId, ProjectStatus.Cancelled, reason, Spent, new GenerationCancelled(reason), plan, CancellationToken.None);
            LogCancelled(logger, reason);
        }
        catch (OperationCanceledException) when (running.ShutdownToken.IsCancellationRequested)
        {
            const string reason = "Kiln stopped while this generation was running. Send the prompt again to continue.";
            await FinishAsync(projectId, ProjectStatus.Interrupted, reason, project => Spent(project) with { Error = reason }, new ErrorOccurred(reason), plan, CancellationToken.None);
            LogInterrupted(logger);
        }
        catch (AgentFailedException exception)
        {
            await FailAsync(projectId, exception.Message, Spent, spend, plan, running.Token);
            LogFailed(logger, exception.Message);
        }
#pragma warning disable CA1031 // The one boundary where any failure must become a final status instead of a stuck project.
        catch (Exception exception) when (exception is not OwnershipLostException) // Lost: the project's new owner records its status.
#pragma warning restore CA1031
        {
            LogCrashed(logger, exception);
            await FailAsync(projectId, "Kiln hit an internal error while generating. The details are in the server log; send the prompt again to retry.", Spent, spend, plan, running.Token);
        }
    }

    private async Task<Project?> MarkStartedAsync(string projectId)
    {
        var now = time.GetUtcNow();
        Project? started = null;
        await store.UpdateAsync(projectId, project =>
        {
            started = null; // The store may run this more than once: only the last run counts.
            if (project.Status != ProjectStatus.Queued)
            {
                return project; // Cancelled while it waited.
            }

            started = project with { Status = ProjectStatus.Generating, StartedAt = now, FinishedAt = null, UpdatedAt = now, Error = null };
            return started;
        }, CancellationToken.None);
        return started;
    }

    private string? PreviewUrlFor(string projectId) =>
        PreviewSource.Detect(workspace.AppDirectory(projectId)).IsEmpty ? null : previewOrigin.UrlFor(projectId).ToString();

    private Task FailAsync(string projectId, string message, Func<Project, Project> spent, PromptSpend? spend, bool plan, CancellationToken recheckToken) =>
        FinishAsync(projectId, ProjectStatus.Failed, message, project => spent(project) with { Error = message },
            new ErrorOccurred(message, Usage: spend?.Usage, CostUsd: spend?.CostUsd), plan, recheckToken);

    /// <summary>The project with what a generation spent added to it and recorded on its prompt.</summary>
    private static Project WithSpend(Project project, int promptNumber, PromptSpend? spend, ModelEndpoint? model)
    {
        if (spend is null)
        {
            return project; // It ended before it could spend anything.
        }

        var prompts = project.Prompts.ToList();
        if (promptNumber >= 1 && promptNumber <= prompts.Count)
        {
            prompts[promptNumber - 1] = prompts[promptNumber - 1] with { Usage = spend.Usage, CostUsd = spend.CostUsd, Model = model?.Id };
        }

        return project with
        {
            Prompts = prompts,
            Usage = project.Usage.Add(spend.Usage),
            CostUsd = spend.CostUsd is { } cost ? (project.CostUsd ?? 0) + cost : project.CostUsd,
        };
    }

    // Final writes use CancellationToken.None: a cancelled or stopping run must still record how it ended.
    // recheckToken only stops the re-check of pages that rendered before (a person cancelling, Kiln stopping).
    private async Task FinishAsync(
        string projectId, ProjectStatus status, string? reason, Func<Project, Project> change, EventData outcome, bool plan, CancellationToken recheckToken)
    {
        string? notRunning = null;
        // A plan changed nothing: no version, and the app is as the last build left it.
        if (!plan)
        {
            // Whatever the outcome, the app as the agent left it becomes a version, before anyone sees the run end.
            var version = await versions.RecordGenerationAsync(projectId, status, CancellationToken.None);
            // A run that ends ready says so only of an app that runs: one whose dev server does not start still ends ready
            // (what the agent did is done, and auto-fix and "Fix it" take it from here), but with the reason as the
            // project's error, on its status_changed, and as an open error of the app.
            notRunning = status == ProjectStatus.Ready ? await startCheck.CheckAsync(projectId, recheckToken) : null;
            // Then its pages are looked at again while the status still says generating: a page that rendered before and
            // fails now is an open error by the time the run ends, for the person and for auto-fix. The status stays the
            // outcome of the run; a stopped run's pages are not re-checked.
            await regressions.AfterGenerationAsync(
                projectId, version, recheck: status is ProjectStatus.Ready or ProjectStatus.Failed, recheckToken);
        }

        var now = time.GetUtcNow();
        var stored = await store.UpdateAsync(
            projectId,
            // Whatever the outcome, what the agent wrote so far can be looked at.
            project =>
            {
                var changed = change(project);
                return changed with
                {
                    Status = status, UpdatedAt = now, FinishedAt = now, PreviewUrl = PreviewUrlFor(projectId) ?? project.PreviewUrl,
                    Error = notRunning ?? changed.Error,
                };
            },
            CancellationToken.None);
        if (stored is null)
        {
            return; // Deleted while it ran.
        }

        await events.AppendAsync(projectId, outcome, CancellationToken.None);
        await events.AppendAsync(projectId, new StatusChanged(status, reason ?? notRunning), CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation started on the {Runtime} runtime with the {Model}")]
    private static partial void LogStarted(ILogger logger, string runtime, ModelEndpoint model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation completed in {Turns} turns and {DurationMs} ms ({InputTokens} input, {OutputTokens} output tokens, {CostUsd} USD)")]
    private static partial void LogCompleted(ILogger logger, int turns, long durationMs, long inputTokens, long outputTokens, decimal? costUsd);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation cancelled: {Reason}")]
    private static partial void LogCancelled(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generation interrupted by shutdown")]
    private static partial void LogInterrupted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generation failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Generation crashed")]
    private static partial void LogCrashed(ILogger logger, Exception exception);
}
