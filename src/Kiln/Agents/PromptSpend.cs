using System.Globalization;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>
/// What one generation spends, kept by its runtime request by request, against the cap of the prompt it belongs to.
/// The cap covers the prompt and the automatic fixes it triggers, so <paramref name="spentBeforeUsd"/> is what the
/// earlier generations of that chain spent.
/// </summary>
/// <param name="limitUsd">The cap (<c>maxBudgetUsd</c> of the request, else <c>Kiln:Agent:MaxBudgetUsd</c>); null for none.</param>
/// <param name="spentBeforeUsd">What the prompt's earlier generations (before an automatic fix) spent.</param>
/// <param name="price">The model's price; null when unknown, and then the cost is unknown too.</param>
public sealed class PromptSpend(decimal? limitUsd, decimal spentBeforeUsd, ModelPrice? price)
{
    private decimal _costUsd;

    public static PromptSpend Unlimited(ModelPrice? price) => new(null, 0, price);

    public decimal? LimitUsd => limitUsd;

    public TokenUsage Usage { get; private set; } = TokenUsage.Zero;

    /// <summary>This generation's cost; null when the model's price is unknown.</summary>
    public decimal? CostUsd => price is null && _costUsd == 0 ? null : _costUsd;

    /// <summary>What the prompt has spent so far, its earlier generations included.</summary>
    public decimal PromptSpentUsd => spentBeforeUsd + _costUsd;

    /// <summary>What may still be spent before the cap; null without a cap.</summary>
    public decimal? RemainingUsd => limitUsd - PromptSpentUsd;

    /// <summary>True once the prompt's spend has reached its cap: no further model request may be made.</summary>
    public bool Exhausted => limitUsd is { } limit && PromptSpentUsd >= limit;

    /// <summary>Counts one model request's tokens at the model's price.</summary>
    public void Add(TokenUsage usage) => Add(usage, price?.CostOf(usage) ?? 0);

    /// <summary>Counts tokens at a cost someone else worked out (the Claude Code CLI's own figure).</summary>
    public void Add(TokenUsage usage, decimal costUsd)
    {
        Usage = Usage.Add(usage);
        _costUsd += costUsd;
    }

    /// <summary>The failure to end the generation with once <see cref="Exhausted"/>.</summary>
    public AgentFailedException Stopped() => new(
        $"The budget stopped this prompt: it spent {Dollars(PromptSpentUsd)} of its {Dollars(limitUsd ?? 0)} limit " +
        "(maxBudgetUsd in the request, else Kiln:Agent:MaxBudgetUsd), counting its automatic fixes. " +
        "The files written so far are kept; raise the limit or send a follow-up to go on.");

    public static string Dollars(decimal amount) => "$" + amount.ToString("0.00##", CultureInfo.InvariantCulture);
}
