using Kiln.Offline;
using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>What became of a prompt sent to Kiln.</summary>
public abstract record IntakeOutcome
{
    /// <summary>Queued as prompt <paramref name="PromptNumber"/> of the project.</summary>
    public sealed record Accepted(string ProjectId, int PromptNumber) : IntakeOutcome;

    /// <summary>The prompt cannot be used as it is: <paramref name="Title"/> and what to change in <paramref name="Field"/>.</summary>
    public sealed record Invalid(string Title, string Detail, string Field = "prompt") : IntakeOutcome;

    /// <summary>A follow-up to a project there is no record of.</summary>
    public sealed record NotFound(string ProjectId) : IntakeOutcome;

    /// <summary>A follow-up to a project whose generation is queued or running.</summary>
    public sealed record Busy(string ProjectId) : IntakeOutcome;

    /// <summary>A new project, refused: the store already holds <paramref name="MaxProjects"/> (<c>Kiln:Quotas:MaxProjects</c>).</summary>
    public sealed record QuotaReached(int MaxProjects) : IntakeOutcome;
}

/// <summary>
/// How a prompt enters Kiln, whoever sends it (the JSON or the multipart form of <c>POST /api/generate</c>):
/// validate, claim a new project's id, store the prompt (a new project or a follow-up), store its files, and
/// enqueue the generation. Everything is checked before anything is stored, so a refused prompt leaves nothing.
/// </summary>
public sealed class GenerationIntake(
    IProjectStore store,
    ProjectWorkspace workspace,
    IProjectPlacement placement,
    GenerationScheduler scheduler,
    IAgentRuntime runtime,
    ModelEndpointResolver models,
    ModelCatalog catalog,
    AttachmentStore attachments,
    TimeProvider time,
    IOptions<AgentOptions> options,
    IOptions<QuotaOptions> quotas)
{
    public async Task<IntakeOutcome> AcceptAsync(
        string? prompt, string? projectId, IReadOnlyList<AttachmentFile> files, decimal? maxBudgetUsd, string? model, string? mode, CancellationToken cancellationToken)
    {
        if (PromptModes.Parse(mode) is not { } promptMode)
        {
            return new IntakeOutcome.Invalid(
                "Unknown mode", $"'{mode}' is not a mode: send \"build\" (the default: the agent changes the app) or \"plan\" (it reads the app and answers with a plan, changing nothing).", "mode");
        }

        if (maxBudgetUsd is <= 0 or > 10_000)
        {
            return new IntakeOutcome.Invalid(
                "The budget is out of range", "maxBudgetUsd is the most this prompt may spend in US dollars: more than 0 and at most 10000.", "maxBudgetUsd");
        }

        prompt = prompt?.Trim();
        var maxLength = options.Value.MaxPromptLength;
        if (string.IsNullOrEmpty(prompt))
        {
            return new IntakeOutcome.Invalid("The prompt is empty", "Describe the app to build, for example \"a todo list with due dates\".");
        }

        if (prompt.Length > maxLength)
        {
            return new IntakeOutcome.Invalid(
                "The prompt is too long", $"The prompt has {prompt.Length} characters; the most accepted is {maxLength} (Kiln:Agent:MaxPromptLength).");
        }

        string? chosenModel = null;
        if (!string.IsNullOrWhiteSpace(model))
        {
            if (await ChooseModelAsync(model, cancellationToken) is { } refused)
            {
                return refused;
            }

            chosenModel = ModelEndpointResolver.Name(models.Parse(model)!);
        }

        // The record names the files from the start; their bytes are stored once the prompt's number is known.
        IReadOnlyList<Attachment>? named = files.Count == 0 ? null : [.. files.Select(file => file.ToAttachment(
            file.Kind == AttachmentKind.Text ? $"{AttachmentStore.UploadsDirectory}/{file.Name}" : null))];
        var entry = new ProjectPrompt(prompt, time.GetUtcNow(), named, Mode: promptMode);
        int promptNumber;
        if (projectId is null)
        {
            var maxProjects = quotas.Value.MaxProjects;
            // Counted first, so a refusal claims and makes nothing; the store counts again as it creates (below).
            if (maxProjects is { } max && await store.CountAsync(cancellationToken) >= max)
            {
                return new IntakeOutcome.QuotaReached(max);
            }

            projectId = placement.NewProjectId();
            promptNumber = 1;
            await placement.ClaimNewAsync(projectId, cancellationToken);
            workspace.Create(projectId);
            var project = new Project
            {
                Id = projectId,
                Status = ProjectStatus.Queued,
                Prompts = [entry],
                CreatedAt = entry.At,
                UpdatedAt = entry.At,
                Runtime = runtime.Name,
                Model = chosenModel ?? models.DefaultModel,
            };
            if (maxProjects is { } limit)
            {
                // Another request (on any instance) took the last place since the count.
                if (!await store.CreateWithinAsync(project, limit, cancellationToken))
                {
                    workspace.Delete(projectId);
                    return new IntakeOutcome.QuotaReached(limit);
                }
            }
            else
            {
                await store.CreateAsync(project, cancellationToken);
            }
        }
        else
        {
            if (!ProjectIds.IsValid(projectId))
            {
                return new IntakeOutcome.NotFound(projectId);
            }

            // The project's model, kept from an earlier prompt, may have become unusable (its key removed): the person
            // hears so now and can name another, rather than have the prompt stored and fail.
            if (chosenModel is null && await UnusableRecordedModelAsync(projectId, cancellationToken) is { } unusable)
            {
                return unusable;
            }

            (var queueing, promptNumber) = await store.QueuePromptAsync(projectId, entry, cancellationToken);
            switch (queueing)
            {
                case PromptQueueing.NotFound:
                    return new IntakeOutcome.NotFound(projectId);
                case PromptQueueing.Busy:
                    return new IntakeOutcome.Busy(projectId);
            }

            // A model named in a follow-up becomes the project's: its next follow-ups keep it. The offline model is what
            // runs while none is configured, never a choice that sticks: once a provider is, an offline project's next
            // prompt goes to it, as the offline model's own summary promises ("set ANTHROPIC_API_KEY … send it again").
            var followUpModel = chosenModel ?? models.DefaultModel;
            if (chosenModel is not null || followUpModel != OfflineModelServer.ModelName)
            {
                await store.UpdateAsync(
                    projectId,
                    project => chosenModel is not null || project.Model == OfflineModelServer.ModelName ? project with { Model = followUpModel } : project,
                    cancellationToken);
            }
        }

        var saved = files.Count == 0 ? null : await attachments.SaveAsync(projectId, promptNumber, files, cancellationToken);
        await scheduler.EnqueueAsync(new GenerationRequest(projectId, prompt, promptNumber, saved, maxBudgetUsd), cancellationToken);
        return new IntakeOutcome.Accepted(projectId, promptNumber);
    }

    private async Task<IntakeOutcome.Invalid?> UnusableRecordedModelAsync(string projectId, CancellationToken cancellationToken)
    {
        // The offline model never sticks (see below), so only a provider's model can have become unusable.
        if (await store.GetAsync(projectId, cancellationToken) is not { Model: { } recorded } || recorded == OfflineModelServer.ModelName
            || models.Parse(recorded) is not { } choice || models.Unavailable(choice) is not { } reason)
        {
            return null;
        }

        return new IntakeOutcome.Invalid("This project's model cannot be used now",
            $"The project's prompts go to '{recorded}', which cannot be used now: {reason} Or name another model for this prompt (GET /api/models lists the models usable now).",
            "model");
    }

    private async Task<IntakeOutcome.Invalid?> ChooseModelAsync(string model, CancellationToken cancellationToken)
    {
        if (models.Parse(model) is not { } choice)
        {
            return new IntakeOutcome.Invalid("Unknown model provider",
                $"'{model}' names no provider Kiln knows. Name a model as provider/model with one of: {string.Join(", ", models.Providers)} " +
                "(a bare name is Anthropic's); GET /api/models lists the models usable now.", "model");
        }

        if (await catalog.RefusalAsync(choice, cancellationToken) is { } refusal)
        {
            return new IntakeOutcome.Invalid("This model cannot build the app", refusal, "model");
        }

        return runtime.Name == AgentRuntimeNames.ClaudeCode && choice.Provider is not (ModelEndpoint.Anthropic or ModelEndpoint.Offline)
            ? new IntakeOutcome.Invalid("The claude-code runtime speaks only to Anthropic",
                $"'{model}' is not an Anthropic model; the Claude Code CLI cannot use it. Set Kiln:Agent:Runtime=builtin to build with it.", "model")
            : null;
    }
}
