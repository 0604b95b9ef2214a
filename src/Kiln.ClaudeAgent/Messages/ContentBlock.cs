using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>One block of an assistant or user message's content. Unknown block types arrive as <see cref="UnknownBlock"/>.</summary>
public abstract record ContentBlock
{
    /// <summary>The block as the CLI sent it, every field included.</summary>
    public required JsonObject Raw { get; init; }

    /// <summary>The block's <c>type</c>.</summary>
    public string Type => Raw.Str("type") ?? "";

    internal static ContentBlock From(JsonObject block) => block.Str("type") switch
    {
        "text" => new TextBlock { Raw = block, Text = block.Str("text") ?? "" },
        "thinking" => new ThinkingBlock { Raw = block, Thinking = block.Str("thinking") ?? "" },
        "tool_use" => new ToolUseBlock
        {
            Raw = block,
            Id = block.Str("id") ?? "",
            Name = block.Str("name") ?? "",
            Input = block.Obj("input"),
        },
        "tool_result" => new ToolResultBlock
        {
            Raw = block,
            ToolUseId = block.Str("tool_use_id") ?? "",
            IsError = block.Bool("is_error"),
            Content = block["content"],
        },
        _ => new UnknownBlock { Raw = block },
    };

    internal static IReadOnlyList<ContentBlock> ListFrom(JsonNode? content) => content switch
    {
        JsonArray blocks => [.. blocks.OfType<JsonObject>().Select(From)],
        // A user message's content may be a bare string.
        JsonValue text when text.GetValueKind() == JsonValueKind.String =>
            [new TextBlock { Raw = new JsonObject { ["type"] = "text", ["text"] = text.DeepClone() }, Text = text.GetValue<string>() }],
        _ => [],
    };
}

/// <summary>Text the model wrote.</summary>
public sealed record TextBlock : ContentBlock
{
    /// <summary>The text.</summary>
    public required string Text { get; init; }
}

/// <summary>The model's visible reasoning.</summary>
public sealed record ThinkingBlock : ContentBlock
{
    /// <summary>The reasoning text.</summary>
    public required string Thinking { get; init; }
}

/// <summary>A tool call the model made.</summary>
public sealed record ToolUseBlock : ContentBlock
{
    /// <summary>The call's id, echoed by its result.</summary>
    public required string Id { get; init; }

    /// <summary>The tool, e.g. <c>mcp__kiln__write_file</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The arguments.</summary>
    public required JsonObject Input { get; init; }
}

/// <summary>A tool's result, as sent back to the model.</summary>
public sealed record ToolResultBlock : ContentBlock
{
    /// <summary>The call it answers.</summary>
    public required string ToolUseId { get; init; }

    /// <summary>Whether the call failed (or was refused).</summary>
    public bool IsError { get; init; }

    /// <summary>The result: a string or an array of content blocks.</summary>
    public JsonNode? Content { get; init; }

    /// <summary>The result's text, blocks joined by newlines.</summary>
    public string Text => Content switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonArray a => string.Join("\n", a.OfType<JsonObject>().Select(b => b.Str("text")).OfType<string>()),
        _ => "",
    };
}

/// <summary>A block of a type this library does not know; <see cref="ContentBlock.Raw"/> has all of it.</summary>
public sealed record UnknownBlock : ContentBlock;
