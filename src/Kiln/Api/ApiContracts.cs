using Kiln.Projects;

namespace Kiln.Api;

/// <summary>A prompt for a new project, or a follow-up for an existing one when <c>ProjectId</c> is set.</summary>
/// <param name="Prompt">What to build or change.</param>
/// <param name="ProjectId">The project a follow-up continues; omit it for a new project.</param>
/// <param name="MaxBudgetUsd">
/// Most this prompt may spend in US dollars, its automatic fixes included; overrides Kiln:Agent:MaxBudgetUsd.
/// </param>
/// <param name="Model">
/// The model, as <c>provider/model</c> (<c>openai/gpt-4.1-mini</c>, <c>ollama/qwen2.5-coder:7b</c>) or a bare Anthropic name;
/// kept for the project's follow-ups. GET /api/models lists the models usable now. Omitted: the project's model, else
/// Kiln:Agent:Model.
/// </param>
/// <param name="Mode">
/// <c>build</c> (the default: the agent changes the app) or <c>plan</c>: the agent gets only the tools that read, answers
/// with a plan, changes nothing and makes no version. Send the plan back as a build prompt to carry it out.
/// </param>
public sealed record GenerateRequest(string? Prompt, string? ProjectId, decimal? MaxBudgetUsd = null, string? Model = null, string? Mode = null);

public sealed record GenerateResponse(string ProjectId, ProjectStatus Status, ProjectLinks Links);

/// <summary>Where a client goes next for a project.</summary>
public sealed record ProjectLinks(string Self, string Status, string Events, string WebSocket, string Files, string Preview, string Cancel)
{
    public static ProjectLinks For(string projectId) => new(
        Self: $"/api/projects/{projectId}",
        Status: $"/api/projects/{projectId}/status",
        Events: $"/api/projects/{projectId}/events",
        WebSocket: $"/ws/{projectId}",
        Files: $"/api/projects/{projectId}/files",
        Preview: $"/api/projects/{projectId}/preview/",
        Cancel: $"/api/projects/{projectId}/cancel");
}

/// <summary>Tokens used: every input token, and of them those written to and read from the prompt cache.</summary>
public sealed record UsageResponse(long InputTokens, long OutputTokens, long CacheWriteTokens, long CacheReadTokens)
{
    public static UsageResponse From(TokenUsage usage) => new(usage.InputTokens, usage.OutputTokens, usage.CacheWriteTokens, usage.CacheReadTokens);
}

public sealed record ProjectStatusResponse(
    string ProjectId,
    ProjectStatus Status,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    UsageResponse Usage,
    decimal? CostUsd,
    string? PreviewUrl,
    string Runtime,
    string Model,
    bool OfflineModel,
    bool Pinned = false,
    bool SelectMode = false,
    string? Instance = null)
{
    /// <param name="project">The project as stored.</param>
    /// <param name="selectMode">
    /// Whether its preview offers select-to-edit (a Vite app whose dev server Kiln runs with source tags,
    /// <see cref="Preview.ViteSourceTags"/>); read from its files, so only the answers that look say true.
    /// </param>
    /// <param name="instance">The fleet instance that owns it, when the answer looked.</param>
    public static ProjectStatusResponse From(Project project, bool selectMode = false, string? instance = null) => new(
        project.Id,
        project.Status,
        project.Error,
        project.CreatedAt,
        project.UpdatedAt,
        project.StartedAt,
        project.FinishedAt,
        UsageResponse.From(project.Usage),
        project.CostUsd,
        project.PreviewUrl,
        project.Runtime,
        project.Model,
        project.Model == Offline.OfflineModelServer.ModelName,
        project.Pinned,
        selectMode,
        instance);
}

/// <summary>A project with its prompts and links.</summary>
/// <param name="Project">Its status.</param>
/// <param name="Prompts">Every prompt, first to last.</param>
/// <param name="Links">Where its resources are.</param>
/// <param name="LastSeq">
/// The seq of its newest event when this answer was made: a client that opens the event stream after it can tell
/// the history it catches up on (seq up to this) from what happens while it watches.
/// </param>
public sealed record ProjectResponse(ProjectStatusResponse Project, IReadOnlyList<ProjectPrompt> Prompts, ProjectLinks Links, long LastSeq)
{
    public static ProjectResponse From(Project project, long lastSeq, bool selectMode = false) =>
        new(ProjectStatusResponse.From(project, selectMode), project.Prompts, ProjectLinks.For(project.Id), lastSeq);
}

public sealed record ProjectSummary(string ProjectId, ProjectStatus Status, string Prompt, int PromptCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? PreviewUrl, bool Pinned = false)
{
    public static ProjectSummary From(Project project) =>
        new(project.Id, project.Status, project.Prompts[0].Text, project.Prompts.Count, project.CreatedAt, project.UpdatedAt, project.PreviewUrl, project.Pinned);
}

/// <summary>How an MCP client connects to a project's tools.</summary>
/// <param name="Url">The project's Streamable HTTP MCP endpoint.</param>
/// <param name="Token">The project's own token for it: 256 random bits, the same until the project is deleted.</param>
public sealed record McpConnectionResponse(string Url, string Token);

public sealed record FileEntry(string Path, long Size, DateTimeOffset Modified);

/// <summary>A file written by hand: its path in the app, its size, and its new ETag (the same as the response's ETag header).</summary>
public sealed record FileWritten(string Path, long Size, string ETag);
