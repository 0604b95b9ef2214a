using System.Text;
using System.Text.Json.Nodes;

namespace Kiln.Testing;

/// <summary>A tool_result block the client sent back to the model.</summary>
/// <param name="ToolUseId">The tool_use id it answers.</param>
/// <param name="IsError">Whether the client marked it <c>is_error</c>.</param>
/// <param name="Text">Its text content, blocks joined by newlines.</param>
/// <param name="Images">The base64 image blocks inside its content, in order.</param>
public sealed record ScriptedToolResult(string ToolUseId, bool IsError, string Text, IReadOnlyList<ScriptedImage> Images);

/// <summary>A base64 image block the client sent in a user message.</summary>
/// <param name="MediaType">Its <c>source.media_type</c>.</param>
/// <param name="Base64">Its <c>source.data</c>.</param>
public sealed record ScriptedImage(string MediaType, string Base64);

/// <summary>One Messages API request as the scripted server received it.</summary>
public sealed record ScriptedRequest
{
    /// <summary>Position among all Messages API requests the server received, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>The request path and query, e.g. <c>/v1/messages?beta=true</c>.</summary>
    public required string Path { get; init; }

    /// <summary>Request headers (names lower-case).</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The parsed JSON body.</summary>
    public required JsonObject Body { get; init; }

    /// <summary>
    /// True when the server answered it with the side-call default instead of the script
    /// (see <see cref="ScriptedModelServer.IsSideCall"/>).
    /// </summary>
    public bool IsSideCall { get; init; }

    /// <summary>The <c>model</c> field.</summary>
    public string? Model => Body["model"]?.GetValue<string>();

    /// <summary>The <c>max_tokens</c> field, or 0.</summary>
    public int MaxTokens => Body["max_tokens"]?.GetValue<int>() ?? 0;

    /// <summary>The <c>stream</c> field.</summary>
    public bool Stream => Body["stream"]?.GetValue<bool>() ?? false;

    /// <summary>The <c>messages</c> array (empty when absent).</summary>
    public JsonArray Messages => Body["messages"] as JsonArray ?? [];

    /// <summary>The system prompt's text, blocks joined by newlines.</summary>
    public string System => TextOf(Body["system"]);

    /// <summary>Names of the tools the client offered.</summary>
    public IReadOnlyList<string> ToolNames =>
        [.. (Body["tools"] as JsonArray ?? []).Select(t => t?["name"]?.GetValue<string>() ?? "")];

    /// <summary>Every text block of the user messages, in order.</summary>
    public IReadOnlyList<string> UserTexts => [.. TextBlocks("user")];

    /// <summary>Every text block of the assistant messages, in order.</summary>
    public IReadOnlyList<string> AssistantTexts => [.. TextBlocks("assistant")];

    /// <summary>Names of the tools the assistant called earlier in the conversation, in order.</summary>
    public IReadOnlyList<string> ToolUseNames =>
        [.. Blocks("assistant").Where(b => Type(b) == "tool_use").Select(b => b["name"]?.GetValue<string>() ?? "")];

    /// <summary>Every tool_result block in the conversation, in order.</summary>
    public IReadOnlyList<ScriptedToolResult> ToolResults =>
        [.. Blocks("user").Where(b => Type(b) == "tool_result").Select(b => new ScriptedToolResult(
            b["tool_use_id"]?.GetValue<string>() ?? "",
            b["is_error"]?.GetValue<bool>() ?? false,
            TextOf(b["content"]),
            [.. (b["content"] as JsonArray ?? []).OfType<JsonObject>().Where(c => Type(c) == "image").Select(Image)]))];

    /// <summary>Every image block of the user messages, in order.</summary>
    public IReadOnlyList<ScriptedImage> UserImages =>
        [.. Blocks("user").Where(b => Type(b) == "image").Select(Image)];

    /// <summary>The last text the user wrote (tool results are not counted).</summary>
    public string? LastUserText => UserTexts.Count > 0 ? UserTexts[^1] : null;

    private IEnumerable<JsonObject> Blocks(string role) =>
        Messages.OfType<JsonObject>()
            .Where(m => m["role"]?.GetValue<string>() == role)
            .SelectMany(m => m["content"] switch
            {
                JsonArray blocks => blocks.OfType<JsonObject>(),
                JsonValue text => [new JsonObject { ["type"] = "text", ["text"] = text.GetValue<string>() }],
                _ => [],
            });

    private IEnumerable<string> TextBlocks(string role) =>
        Blocks(role).Where(b => Type(b) == "text").Select(b => b["text"]?.GetValue<string>() ?? "");

    private static string? Type(JsonObject block) => block["type"]?.GetValue<string>();

    private static ScriptedImage Image(JsonObject block) => new(
        block["source"]?["media_type"]?.GetValue<string>() ?? "",
        block["source"]?["data"]?.GetValue<string>() ?? "");

    // Content in the Messages API is either a plain string or an array of blocks.
    private static string TextOf(JsonNode? content)
    {
        switch (content)
        {
            case JsonValue value:
                return value.GetValue<string>();
            case JsonArray blocks:
                var text = new StringBuilder();
                foreach (var block in blocks.OfType<JsonObject>())
                {
                    if (block["text"]?.GetValue<string>() is { } t)
                    {
                        text.Append(text.Length > 0 ? "\n" : "").Append(t);
                    }
                }
                return text.ToString();
            default:
                return "";
        }
    }
}
