using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>
/// A subagent the main agent can hand a task to (through its Agent tool), defined by the host rather than
/// by a file in <c>.claude/agents</c>; the key it is registered under in <see cref="ClaudeAgentOptions.Agents"/>
/// is its name.
/// </summary>
/// <param name="Description">When to use it: the main agent reads this to decide.</param>
/// <param name="Prompt">Its system prompt.</param>
public sealed record AgentDefinition(string Description, string Prompt)
{
    /// <summary>The tools it may use; null gives it the main agent's.</summary>
    public IReadOnlyList<string>? Tools { get; init; }

    /// <summary>Tools it may not use.</summary>
    public IReadOnlyList<string>? DisallowedTools { get; init; }

    /// <summary>Its model (<c>sonnet</c>, <c>opus</c>, <c>haiku</c>, <c>inherit</c>, or a full name); null inherits the main agent's.</summary>
    public string? Model { get; init; }

    /// <summary>Its own turn limit.</summary>
    public int? MaxTurns { get; init; }

    /// <summary>Its own effort level.</summary>
    public Effort? Effort { get; init; }

    internal JsonObject ToWire()
    {
        var wire = new JsonObject { ["description"] = Description, ["prompt"] = Prompt };
        if (Tools is not null)
        {
            wire["tools"] = new JsonArray([.. Tools.Select(t => JsonValue.Create(t))]);
        }
        if (DisallowedTools is not null)
        {
            wire["disallowedTools"] = new JsonArray([.. DisallowedTools.Select(t => JsonValue.Create(t))]);
        }
        if (Model is not null)
        {
            wire["model"] = Model;
        }
        if (MaxTurns is { } maxTurns)
        {
            wire["maxTurns"] = maxTurns;
        }
        if (Effort is { } effort)
        {
            wire["effort"] = effort.Value;
        }
        return wire;
    }
}
