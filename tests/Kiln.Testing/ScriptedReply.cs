using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kiln.Testing;

/// <summary>One content block of a scripted assistant message.</summary>
public abstract record ScriptedContent
{
    /// <summary>A text block.</summary>
    public static ScriptedContent Text(string text) => new ScriptedText(text);

    /// <summary>A tool_use block; <paramref name="input"/> is serialised to the tool's JSON input.</summary>
    /// <param name="name">The tool name as the client declared it, e.g. <c>mcp__kiln__echo</c>.</param>
    /// <param name="input">An object (anonymous types are fine) or a <see cref="JsonNode"/>.</param>
    /// <param name="id">The tool_use id; the server makes a unique one when omitted.</param>
    public static ScriptedContent ToolUse(string name, object? input = null, string? id = null) =>
        new ScriptedToolUse(name, input as JsonObject ?? JsonSerializer.SerializeToNode(input ?? new { })!.AsObject(), id);
}

/// <summary>A text block of a scripted reply.</summary>
public sealed record ScriptedText(string Value) : ScriptedContent;

/// <summary>A tool_use block of a scripted reply.</summary>
public sealed record ScriptedToolUse(string Name, JsonObject Input, string? Id) : ScriptedContent;

/// <summary>An HTTP error the scripted server answers with, in the Messages API's error shape.</summary>
/// <param name="Status">The HTTP status, e.g. 529 or 400.</param>
/// <param name="Type">The API error type, e.g. <c>overloaded_error</c>.</param>
/// <param name="Message">The error message the client sees.</param>
/// <param name="ShouldRetry">
/// Sent as <c>x-should-retry</c>. The Anthropic client SDKs honour it, so <c>false</c> (the default)
/// keeps a test from sitting through the CLI's retry back-off.
/// </param>
public sealed record ScriptedError(int Status, string Type, string Message, bool ShouldRetry = false);

/// <summary>
/// What the scripted model answers to one Messages API request: an assistant message, an error,
/// and optionally a delay or a hang before it.
/// </summary>
public sealed record ScriptedReply
{
    /// <summary>The assistant message's content blocks.</summary>
    public IReadOnlyList<ScriptedContent> Content { get; init; } = [];

    /// <summary>The stop_reason; <c>tool_use</c> when <see cref="ToolUse"/> builds the reply.</summary>
    public string StopReason { get; init; } = "end_turn";

    /// <summary>Input tokens reported in usage; large values make a client's cost budget run out.</summary>
    public int InputTokens { get; init; } = 10;

    /// <summary>Output tokens reported in usage.</summary>
    public int OutputTokens { get; init; } = 10;

    /// <summary>Wait this long before answering.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Wait until this task completes before answering, so a test decides when a slow turn ends.</summary>
    public Task? Gate { get; init; }

    /// <summary>
    /// Start the answer (status, and for a stream the message_start event) and then never finish it,
    /// until the client gives up on the request or the server is disposed. For cancellation tests.
    /// </summary>
    public bool Hang { get; init; }

    /// <summary>Answer with this HTTP error instead of a message.</summary>
    public ScriptedError? Error { get; init; }

    /// <summary>A message with the given blocks.</summary>
    public static ScriptedReply Of(params ScriptedContent[] content) =>
        new() { Content = content, StopReason = content.OfType<ScriptedToolUse>().Any() ? "tool_use" : "end_turn" };

    /// <summary>A text answer that ends the turn.</summary>
    public static ScriptedReply Text(string text) => Of(ScriptedContent.Text(text));

    /// <summary>A request to call one tool; the turn goes on with its result.</summary>
    public static ScriptedReply ToolUse(string name, object? input = null, string? id = null) =>
        Of(ScriptedContent.ToolUse(name, input, id));

    /// <summary>A short text answer that ends the turn.</summary>
    public static ScriptedReply EndTurn { get; } = Text("Done.");

    /// <summary>An answer that starts and never finishes (see <see cref="Hang"/>).</summary>
    public static ScriptedReply Hanging { get; } = Text("(never sent)") with { Hang = true };

    /// <summary>An HTTP error in the Messages API's error shape.</summary>
    public static ScriptedReply Fail(int status, string type, string message, bool shouldRetry = false) =>
        new() { Error = new ScriptedError(status, type, message, shouldRetry) };

    /// <summary>The 529 the API sends when it is overloaded.</summary>
    public static ScriptedReply Overloaded() => Fail(529, "overloaded_error", "Overloaded");

    /// <summary>The 400 the API sends when the conversation no longer fits the context window.</summary>
    public static ScriptedReply PromptTooLong() =>
        Fail(400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum");

    /// <summary>This reply, sent after <paramref name="delay"/>.</summary>
    public ScriptedReply After(TimeSpan delay) => this with { Delay = delay };

    /// <summary>This reply, sent once <paramref name="gate"/> completes (a TaskCompletionSource's task, say).</summary>
    public ScriptedReply After(Task gate) => this with { Gate = gate };

    /// <summary>This reply with the given usage (and so the cost the client computes).</summary>
    public ScriptedReply WithUsage(int inputTokens, int outputTokens) =>
        this with { InputTokens = inputTokens, OutputTokens = outputTokens };
}
