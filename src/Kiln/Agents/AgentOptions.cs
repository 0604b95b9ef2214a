using System.ComponentModel.DataAnnotations;

namespace Kiln.Agents;

/// <summary>How generations run. Bound from <c>Kiln:Agent</c>.</summary>
public sealed class AgentOptions
{
    public const string Section = "Kiln:Agent";

    /// <summary>
    /// <c>builtin</c> (Kiln's own loop, for every provider), <c>claude-code</c> (the Claude Code CLI through
    /// Kiln.ClaudeAgent), or <c>auto</c>: claude-code when the CLI is installed and an API key is set.
    /// </summary>
    [Required, AllowedValues(AgentRuntimeNames.Auto, AgentRuntimeNames.Builtin, AgentRuntimeNames.ClaudeCode)]
    public string Runtime { get; set; } = AgentRuntimeNames.Auto;

    /// <summary>The Claude Code CLI; found on PATH and in the usual install places when not set.</summary>
    public string? ClaudePath { get; set; }

    /// <summary>
    /// The model a prompt that names none gets, as <c>provider/model</c> or a bare Anthropic name, when its provider is
    /// configured; else the offline model. See <see cref="ModelEndpointResolver"/>.
    /// </summary>
    [Required]
    public string Model { get; set; } = "claude-sonnet-4-5";

    /// <summary>Most model turns (one request and its tool calls) in one generation.</summary>
    [Range(1, 1000)]
    public int MaxTurns { get; set; } = 60;

    /// <summary>
    /// Most one prompt may spend, in US dollars, counting the automatic fixes it triggers, on every runtime (the
    /// built-in loop prices tokens with <see cref="ModelPrices"/>; the Claude Code CLI prices its own); unset means no
    /// limit. A request's <c>maxBudgetUsd</c> overrides it. Once reached, no further model request is made and the
    /// generation fails saying so.
    /// </summary>
    [Range(typeof(decimal), "0.0001", "10000")]
    public decimal? MaxBudgetUsd { get; set; }

    /// <summary>
    /// Mark cache breakpoints (<c>cache_control</c>) on Anthropic requests: the tools, the system prompt and the newest
    /// message, so each turn pays full price only for what is new. Off only to measure what caching saves.
    /// </summary>
    public bool PromptCaching { get; set; } = true;

    [Range(256, 128_000)]
    public int MaxTokens { get; set; } = 16_000;

    /// <summary>Generations running at once; the rest wait as <c>queued</c>, in order.</summary>
    [Range(1, 256)]
    public int MaxConcurrentGenerations { get; set; } = 2;

    /// <summary>
    /// Most estimated tokens (a quarter of the characters) one request of the built-in runtime may carry: system
    /// prompt, tools and conversation. Past it, old tool results and tool inputs are shortened, oldest first, and
    /// then old exchanges dropped; the person's prompts never are. Keep it below the model's context window.
    /// </summary>
    [Range(8_000, 2_000_000)]
    public int ContextBudgetTokens { get; set; } = 150_000;

    /// <summary>Longest prompt accepted, in characters.</summary>
    [Range(1, 1_000_000)]
    public int MaxPromptLength { get; set; } = 20_000;

    /// <summary>
    /// How many times Kiln sends the app's collected errors back to the agent by itself after a generation ends with
    /// errors (a failed build, a compile error, an error the preview threw); 0 leaves it to the person ("Fix it").
    /// It stops early when the same error comes back after a fix.
    /// </summary>
    [Range(0, 10)]
    public int AutoFix { get; set; }
}

public static class AgentRuntimeNames
{
    public const string Auto = "auto";
    public const string Builtin = "builtin";
    public const string ClaudeCode = "claude-code";
}
