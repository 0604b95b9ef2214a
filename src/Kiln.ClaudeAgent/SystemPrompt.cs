using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>
/// The agent's system prompt: <see cref="Custom"/> text (a string converts to it), or Claude Code's own
/// prompt with something appended (<see cref="ClaudeCode"/>). Without one, as with the official SDKs,
/// the agent gets an empty system prompt rather than Claude Code's.
/// </summary>
public abstract record SystemPrompt
{
    private protected SystemPrompt()
    {
    }

    /// <summary>This text replaces Claude Code's system prompt.</summary>
    public static SystemPrompt Custom(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new CustomSystemPrompt(text);
    }

    /// <summary>Claude Code's own system prompt (the TypeScript SDK's <c>claude_code</c> preset), with <paramref name="append"/> after it.</summary>
    public static SystemPrompt ClaudeCode(string? append = null) => new ClaudeCodeSystemPrompt(append);

    /// <summary>A custom prompt from its text.</summary>
    public static implicit operator SystemPrompt(string text) => Custom(text);

    // The initialize request's systemPrompt and appendSystemPrompt fields, where the text is not bound by argv limits.
    internal abstract void WriteTo(JsonObject initialize);
}

/// <summary>Text that replaces Claude Code's system prompt.</summary>
/// <param name="Text">The prompt.</param>
public sealed record CustomSystemPrompt(string Text) : SystemPrompt
{
    internal override void WriteTo(JsonObject initialize) => initialize["systemPrompt"] = new JsonArray(JsonValue.Create(Text));
}

/// <summary>Claude Code's own system prompt, optionally with text appended.</summary>
/// <param name="Append">Appended to the prompt, or null.</param>
public sealed record ClaudeCodeSystemPrompt(string? Append) : SystemPrompt
{
    internal override void WriteTo(JsonObject initialize)
    {
        if (Append is not null)
        {
            initialize["appendSystemPrompt"] = Append;
        }
    }
}
