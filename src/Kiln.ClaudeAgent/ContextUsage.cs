using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>How full the context window is, by category (<see cref="ClaudeAgentClient.GetContextUsageAsync"/>).</summary>
public sealed record ContextUsage
{
    /// <summary>The rows: system prompt, tools, messages, free space, the compaction buffer, ….</summary>
    public required IReadOnlyList<ContextCategory> Categories { get; init; }

    /// <summary>Tokens in use.</summary>
    public long TotalTokens { get; init; }

    /// <summary>The context window's size.</summary>
    public long MaxTokens { get; init; }

    /// <summary><see cref="TotalTokens"/> as a percentage of <see cref="MaxTokens"/>, as the CLI rounds it.</summary>
    public double Percentage { get; init; }

    /// <summary>The model it was counted for.</summary>
    public string? Model { get; init; }

    /// <summary>Whether the CLI compacts the conversation on its own when it fills up.</summary>
    public bool IsAutoCompactEnabled { get; init; }

    /// <summary>The answer as the CLI sent it, every field included.</summary>
    public required JsonObject Raw { get; init; }

    internal static ContextUsage From(JsonObject json) => new()
    {
        Raw = json,
        Categories = [.. json.Objects("categories").Select(c => new ContextCategory(
            c.Str("id"), c.Str("name") ?? "", c.Long("tokens"), new ContextCategoryKind(c.Str("kind") ?? "")))],
        TotalTokens = json.Long("totalTokens"),
        MaxTokens = json.Long("maxTokens"),
        Percentage = json.Double("percentage"),
        Model = json.Str("model"),
        IsAutoCompactEnabled = json.Bool("isAutoCompactEnabled"),
    };
}

/// <summary>One row of <see cref="ContextUsage"/>.</summary>
/// <param name="Id">A stable id (<c>system_prompt</c>, <c>mcp_tools</c>, <c>messages</c>, <c>free_space</c>, …); null from an older CLI. Match on it, not on the name.</param>
/// <param name="Name">The row's name for people.</param>
/// <param name="Tokens">Its size.</param>
/// <param name="Kind">What it is: used, free, the compaction buffer, or deferred tool schemas.</param>
public sealed record ContextCategory(string? Id, string Name, long Tokens, ContextCategoryKind Kind);

/// <summary>What a <see cref="ContextCategory"/> is; a string underneath, as the CLI may add kinds.</summary>
/// <param name="Value">The kind as the CLI spells it.</param>
public readonly record struct ContextCategoryKind(string Value)
{
    /// <summary>Content that occupies the window.</summary>
    public static ContextCategoryKind Used { get; } = new("used");

    /// <summary>The rest of the window.</summary>
    public static ContextCategoryKind Free { get; } = new("free");

    /// <summary>Kept free for compaction.</summary>
    public static ContextCategoryKind Buffer { get; } = new("buffer");

    /// <summary>Tool schemas loaded only when needed, outside the window.</summary>
    public static ContextCategoryKind Deferred { get; } = new("deferred");

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}

/// <summary>How <see cref="ClaudeAgentClient.GetContextUsageAsync"/> counts.</summary>
public enum ContextUsageDetail
{
    /// <summary>Each category counted with the token-counting API (extra API calls).</summary>
    Full,

    /// <summary>From the last response's usage and local estimates, with no API call.</summary>
    Summary,
}
