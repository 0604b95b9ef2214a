using System.Globalization;

namespace Kiln.ClaudeAgent;

/// <summary>Whether and how much the model thinks before it answers (the SDKs' <c>thinking</c>).</summary>
public abstract record Thinking
{
    private protected Thinking()
    {
    }

    /// <summary>The model decides when and how much to think (models that support it; see <see cref="ModelInfo.SupportsAdaptiveThinking"/>).</summary>
    public static Thinking Adaptive { get; } = new AdaptiveThinking();

    /// <summary>No extended thinking.</summary>
    public static Thinking Disabled { get; } = new DisabledThinking();

    /// <summary>Thinking with a fixed budget of <paramref name="budgetTokens"/> tokens per request.</summary>
    public static Thinking Enabled(int budgetTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(budgetTokens);
        return new EnabledThinking(budgetTokens);
    }

    internal abstract string ToFlag();
}

/// <summary>The model decides when and how much to think.</summary>
public sealed record AdaptiveThinking : Thinking
{
    internal override string ToFlag() => "--thinking=adaptive";
}

/// <summary>No extended thinking.</summary>
public sealed record DisabledThinking : Thinking
{
    internal override string ToFlag() => "--thinking=disabled";
}

/// <summary>Thinking with a fixed budget.</summary>
/// <param name="BudgetTokens">Tokens the model may think per request.</param>
public sealed record EnabledThinking(int BudgetTokens) : Thinking
{
    internal override string ToFlag() => $"--max-thinking-tokens={BudgetTokens.ToString(CultureInfo.InvariantCulture)}";
}
