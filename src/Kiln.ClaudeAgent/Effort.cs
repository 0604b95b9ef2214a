namespace Kiln.ClaudeAgent;

/// <summary>
/// How much effort the model puts into a response (<c>--effort</c>): <see cref="Low"/> to <see cref="Max"/>.
/// A string underneath, so a level a newer CLI adds can be named before this library knows it.
/// </summary>
/// <param name="Value">The level as the CLI spells it.</param>
public readonly record struct Effort(string Value)
{
    /// <summary>Fastest, least thorough.</summary>
    public static Effort Low { get; } = new("low");

    /// <summary>Between low and high.</summary>
    public static Effort Medium { get; } = new("medium");

    /// <summary>Thorough.</summary>
    public static Effort High { get; } = new("high");

    /// <summary>More thorough than high.</summary>
    public static Effort XHigh { get; } = new("xhigh");

    /// <summary>As thorough as the model goes.</summary>
    public static Effort Max { get; } = new("max");

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}
