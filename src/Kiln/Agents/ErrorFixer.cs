using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>How a request to fix the project's errors went.</summary>
public enum FixPreparation
{
    Queued,
    NotFound,
    Busy,
    NoErrors,
}

/// <summary>
/// Sends a project's collected errors back to the agent as a follow-up prompt: when a person asks
/// (<c>POST /api/projects/{id}/fix</c>), and by itself after a generation that ended with errors, up to
/// <see cref="AgentOptions.AutoFix"/> times in a row. It remembers which errors each fix was asked for, and stops
/// as soon as one of them comes back: the agent did not fix it, and asking again would loop.
/// </summary>
public sealed partial class ErrorFixer(
    IProjectStore store,
    PreviewErrors errors,
    EventLog events,
    TimeProvider time,
    IOptions<AgentOptions> options,
    ILogger<ErrorFixer> logger) : IProjectStateHolder
{
    /// <summary>Errors listed in one fix prompt; the rest are counted.</summary>
    public const int MaxErrorsInPrompt = 10;

    private const int MaxStackCharsInPrompt = 1500;

    private readonly ConcurrentDictionary<string, FixRequest> _fixes = new(StringComparer.Ordinal);

    /// <summary>
    /// Makes the project's next prompt a request to fix its open errors, and marks it queued. The caller enqueues
    /// the returned request.
    /// </summary>
    public async Task<(FixPreparation Outcome, GenerationRequest? Request)> PrepareAsync(string projectId, CancellationToken cancellationToken) =>
        await PrepareAsync(projectId, automatic: false, attempt: 0, maxBudgetUsd: null, spentBeforeUsd: 0, cancellationToken);

    /// <summary>
    /// Called when a generation has ended and left the scheduler: the next fix to run by itself, if
    /// <see cref="AgentOptions.AutoFix"/> allows one, with <c>auto_fix_started</c> or <c>auto_fix_stopped</c> saying so.
    /// </summary>
    public async Task<GenerationRequest?> AfterGenerationAsync(GenerationRequest finished, CancellationToken cancellationToken)
    {
        var projectId = finished.ProjectId;
        using var scope = ProjectLogScope.Begin(logger, projectId);
        var fix = _fixes.TryGetValue(projectId, out var known) && known.PromptNumber == finished.PromptNumber ? known : null;
        var project = await store.GetAsync(projectId, cancellationToken);
        if (project is not { Status: ProjectStatus.Ready })
        {
            // Failed, cancelled, deleted or already asked something else: a person decides what comes next.
            return null;
        }

        var open = errors.Open(projectId);
        var automaticSoFar = fix is { Automatic: true } ? fix.Attempt : 0;
        if (open.Count == 0)
        {
            if (fix is { Automatic: true })
            {
                await StoppedAsync(projectId, AutoFixStopReason.Fixed,
                    $"No error came back after {Fixes(automaticSoFar)}.", automaticSoFar, cancellationToken);
            }

            return null;
        }

        var max = options.Value.AutoFix;
        if (max == 0)
        {
            return null;
        }

        // An automatic fix belongs to the prompt that caused it: it spends from the same cap.
        var spent = finished.SpentBeforeUsd + (project.Prompts.ElementAtOrDefault(finished.PromptNumber - 1)?.CostUsd ?? 0);
        if ((finished.MaxBudgetUsd ?? options.Value.MaxBudgetUsd) is { } cap && spent >= cap)
        {
            await StoppedAsync(projectId, AutoFixStopReason.Budget,
                $"The prompt has spent {PromptSpend.Dollars(spent)} of its {PromptSpend.Dollars(cap)} limit (maxBudgetUsd, else Kiln:Agent:MaxBudgetUsd), " +
                "so Kiln did not fix by itself. Press Fix it, or ask for a change.", automaticSoFar, cancellationToken);
            return null;
        }

        if (fix is not null && open.FirstOrDefault(error => fix.ErrorIds.Contains(error.Id)) is { } repeated)
        {
            await StoppedAsync(projectId, AutoFixStopReason.Repeated,
                $"The same error came back after a fix, so Kiln stopped fixing by itself: {Describe(repeated)}", automaticSoFar, cancellationToken);
            return null;
        }

        if (automaticSoFar >= max)
        {
            await StoppedAsync(projectId, AutoFixStopReason.Limit,
                $"Kiln made {Fixes(automaticSoFar)} by itself (Kiln:Agent:AutoFix) and {open.Count} error{(open.Count == 1 ? "" : "s")} remain. " +
                "Press Fix it, or ask for a change.", automaticSoFar, cancellationToken);
            return null;
        }

        var (outcome, request) = await PrepareAsync(
            projectId, automatic: true, attempt: automaticSoFar + 1, finished.MaxBudgetUsd, spent, cancellationToken);
        if (outcome == FixPreparation.Queued)
        {
            LogAutoFix(logger, automaticSoFar + 1, max, open.Count);
        }

        return request;
    }

    /// <summary>The prompt that asks the agent to fix <paramref name="open"/>.</summary>
    public static string PromptFor(IReadOnlyList<OpenPreviewError> open, int maxLength)
    {
        var prompt = new StringBuilder()
            .Append("Fix the errors the running app reports. Kiln collected them from the build, the dev server, the preview page ")
            .Append("and its own re-check of the pages that rendered before:\n");
        var listed = 0;
        foreach (var error in open.Take(MaxErrorsInPrompt))
        {
            listed++;
            var entry = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"\n{listed}. [{SourceName(error.Source)}] {error.Message}\n");
            if (error.Place is { } place)
            {
                entry.Append("   at ").Append(place).Append('\n');
            }

            if (error.Count > 1)
            {
                entry.Append(CultureInfo.InvariantCulture, $"   seen {error.Count} times\n");
            }

            if (error.Stack is { Length: > 0 } stack && stack != error.Message)
            {
                var shown = stack.Length <= MaxStackCharsInPrompt ? stack : stack[..MaxStackCharsInPrompt] + "\n…";
                entry.Append("   ```\n").Append(shown).Append("\n   ```\n");
            }

            if (prompt.Length + entry.Length > maxLength - 400)
            {
                listed--;
                break;
            }

            prompt.Append(entry);
        }

        if (open.Count > listed)
        {
            prompt.Append(CultureInfo.InvariantCulture, $"\n({open.Count - listed} more errors are not listed; fixing these may fix them too.)\n");
        }

        prompt.Append("\nRead the files involved, find the cause of each error and fix it in the code. ")
            .Append("Then check: call build_project when the app has a build script, check_server_status for the dev server, ")
            .Append("and check_app on the pages involved. ")
            .Append("Errors of the preview page are reported again if they remain.");
        return prompt.ToString();
    }

    private async Task<(FixPreparation, GenerationRequest?)> PrepareAsync(
        string projectId, bool automatic, int attempt, decimal? maxBudgetUsd, decimal spentBeforeUsd, CancellationToken cancellationToken)
    {
        var project = await store.GetAsync(projectId, cancellationToken);
        if (project is null)
        {
            return (FixPreparation.NotFound, null);
        }

        // Busy first: a generation that starts clears the errors, so "no errors" would be the wrong answer while it runs.
        if (project.Status.IsBusy())
        {
            return (FixPreparation.Busy, null);
        }

        var open = errors.Open(projectId);
        if (open.Count == 0)
        {
            return (FixPreparation.NoErrors, null);
        }

        var prompt = PromptFor(open, options.Value.MaxPromptLength);
        var (queueing, promptNumber) = await store.QueuePromptAsync(projectId, new ProjectPrompt(prompt, time.GetUtcNow()), cancellationToken);
        switch (queueing)
        {
            case PromptQueueing.NotFound:
                return (FixPreparation.NotFound, null);
            case PromptQueueing.Busy:
                return (FixPreparation.Busy, null);
        }

        var request = new GenerationRequest(projectId, prompt, promptNumber, MaxBudgetUsd: maxBudgetUsd, SpentBeforeUsd: spentBeforeUsd);
        _fixes[projectId] = new FixRequest(request.PromptNumber, automatic, attempt, open.Select(error => error.Id).ToHashSet(StringComparer.Ordinal));
        if (automatic)
        {
            await events.AppendAsync(projectId, new AutoFixStarted(attempt, options.Value.AutoFix, open.Count), cancellationToken);
        }

        return (FixPreparation.Queued, request);
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    /// <summary>Forgets a deleted project.</summary>
    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        _fixes.TryRemove(projectId, out _);
        return ValueTask.CompletedTask;
    }

    private async Task StoppedAsync(string projectId, AutoFixStopReason reason, string message, int attempts, CancellationToken cancellationToken)
    {
        LogAutoFixStopped(logger, reason, message);
        await events.AppendAsync(projectId, new AutoFixStopped(reason, message, attempts), cancellationToken);
    }

    private static string Fixes(int count) => count == 1 ? "1 fix" : $"{count} fixes";

    private static string Describe(OpenPreviewError error) => error.Place is { } place ? $"{error.Message} ({place})" : error.Message;

    private static string SourceName(PreviewErrorSource source) => source switch
    {
        PreviewErrorSource.Build => "build",
        PreviewErrorSource.DevServer => "dev server",
        PreviewErrorSource.Regression => "page that rendered before",
        _ => "preview page",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Sending the app's errors back to the agent by itself: fix {Attempt} of {Max}, {Errors} errors")]
    private static partial void LogAutoFix(ILogger logger, int attempt, int max, int errors);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped fixing by itself ({Reason}): {Message}")]
    private static partial void LogAutoFixStopped(ILogger logger, AutoFixStopReason reason, string message);

    /// <summary>A fix prompt Kiln queued: its prompt number, whether Kiln sent it by itself, and which errors it named.</summary>
    private sealed record FixRequest(int PromptNumber, bool Automatic, int Attempt, IReadOnlySet<string> ErrorIds);
}
