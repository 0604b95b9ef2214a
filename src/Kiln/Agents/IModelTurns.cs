using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>
/// One model request of the built-in loop, whatever the provider: the conversation so far goes in, the assistant's
/// message and what it used come out. Two implementations: Anthropic's Messages API (with its prompt cache) and
/// Microsoft.Extensions.AI's <c>IChatClient</c> for OpenAI-compatible endpoints and Ollama.
/// </summary>
internal interface IModelTurns : IDisposable
{
    /// <summary>
    /// Sends the conversation and returns the reply. <paramref name="onText"/> gets each text of the reply as soon as it
    /// is whole. Throws <see cref="AgentFailedException"/> when the model refuses or cannot be reached.
    /// </summary>
    Task<ModelReply> NextAsync(IReadOnlyList<ConversationMessage> conversation, Func<string, Task> onText, CancellationToken cancellationToken);
}

/// <summary>An assistant message: its content, its text (null when it had none), and its tokens.</summary>
internal sealed record ModelReply(IReadOnlyList<ContentPart> Content, string? Text, TokenUsage Usage);
