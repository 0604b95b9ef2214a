namespace Kiln.Projects;

/// <summary>A project's metadata: everything Kiln knows about it except its files and events.</summary>
public sealed record Project
{
    public required string Id { get; init; }
    public required ProjectStatus Status { get; init; }
    public required IReadOnlyList<ProjectPrompt> Prompts { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required string Runtime { get; init; }
    public required string Model { get; init; }

    /// <summary>The agent session to resume for a follow-up (the CLI's session id), when the runtime has one.</summary>
    public string? SessionId { get; init; }

    /// <summary>
    /// What the agent session (<see cref="SessionId"/>) has cost so far as the CLI counts it: a resumed Claude Code CLI
    /// reports its session's running total, so a prompt's own cost is the difference from this.
    /// </summary>
    public decimal? SessionCostUsd { get; init; }
    public string? Error { get; init; }
    public TokenUsage Usage { get; init; } = TokenUsage.Zero;
    public decimal? CostUsd { get; init; }
    public string? PreviewUrl { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>A pinned project is never removed by the cleanup policy, however old or large.</summary>
    public bool Pinned { get; init; }

    /// <summary>
    /// The last preview request or event stream opened for the project, as the cleanup policy last wrote it down
    /// (prompts and generations move <see cref="UpdatedAt"/> instead).
    /// </summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>The credential of the project's MCP endpoint, made the first time one is asked for (<see cref="McpTokens"/>).</summary>
    public StoredMcpToken? McpToken { get; init; }

    /// <summary>The app's plain environment variables, by name (<see cref="ProjectEnvironment"/>); null when it has none.</summary>
    public IReadOnlyDictionary<string, string>? Variables { get; init; }

    /// <summary>The app's secrets, by name, each sealed with Data Protection (<see cref="ProjectEnvironment"/>); null when it has none.</summary>
    public IReadOnlyDictionary<string, StoredSecret>? Secrets { get; init; }

    public string LatestPrompt => Prompts[^1].Text;
}

/// <summary>A secret as the store keeps it: its value sealed with ASP.NET Core Data Protection, and when it was set.</summary>
public sealed record StoredSecret(string Sealed, DateTimeOffset SetAt);

/// <summary>
/// A project's MCP token as the store keeps it: its SHA-256, which is all a check needs, and the token sealed with
/// ASP.NET Core Data Protection, so the API can hand the same token out again. The store alone yields neither.
/// </summary>
public sealed record StoredMcpToken(string Sha256, string Sealed);

/// <summary>A prompt of the project, with the files that came with it (null when none did).</summary>
/// <remarks>
/// <c>Usage</c>, <c>CostUsd</c> and <c>Model</c> are filled in when the prompt's generation ends, however it ends; the
/// cost is null when the model's price is unknown. <c>Mode</c> is <c>plan</c> for a prompt that asked for a plan only.
/// </remarks>
public sealed record ProjectPrompt(
    string Text, DateTimeOffset At, IReadOnlyList<Attachment>? Attachments = null, TokenUsage? Usage = null, decimal? CostUsd = null, string? Model = null,
    PromptMode Mode = PromptMode.Build);

/// <summary>
/// Tokens a model read and wrote. <c>InputTokens</c> counts every input token, cached or not; the cache counts are
/// the parts of it written to and read from the provider's prompt cache, which are priced differently.
/// </summary>
public sealed record TokenUsage(long InputTokens, long OutputTokens, long CacheWriteTokens = 0, long CacheReadTokens = 0)
{
    public static readonly TokenUsage Zero = new(0, 0);

    /// <summary>Input tokens billed at the full input price.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long FullPriceInputTokens => InputTokens - CacheWriteTokens - CacheReadTokens;

    public TokenUsage Add(TokenUsage other) => new(
        InputTokens + other.InputTokens, OutputTokens + other.OutputTokens, CacheWriteTokens + other.CacheWriteTokens, CacheReadTokens + other.CacheReadTokens);
}
