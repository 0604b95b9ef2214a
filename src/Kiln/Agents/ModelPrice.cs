using System.ComponentModel.DataAnnotations;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>What a model charges, in US dollars per million tokens. Bound from <c>Kiln:Models:Prices:{model}</c>.</summary>
public sealed class ModelPrice
{
    public static readonly ModelPrice Free = new();

    /// <summary>Input tokens read at full price (neither written to nor read from the prompt cache).</summary>
    [Range(0, 100_000)]
    public decimal Input { get; set; }

    [Range(0, 100_000)]
    public decimal Output { get; set; }

    /// <summary>Input tokens written to the prompt cache (Anthropic charges a premium; OpenAI charges the input price).</summary>
    [Range(0, 100_000)]
    public decimal CacheWrite { get; set; }

    /// <summary>Input tokens read from the prompt cache.</summary>
    [Range(0, 100_000)]
    public decimal CacheRead { get; set; }

    public static ModelPrice Of(decimal input, decimal output, decimal cacheWrite, decimal cacheRead) =>
        new() { Input = input, Output = output, CacheWrite = cacheWrite, CacheRead = cacheRead };

    public decimal CostOf(TokenUsage usage) =>
        (usage.FullPriceInputTokens * Input + usage.OutputTokens * Output + usage.CacheWriteTokens * CacheWrite + usage.CacheReadTokens * CacheRead)
        / 1_000_000m;
}
