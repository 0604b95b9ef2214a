using System.Text.Json;
using Anthropic.Models.Messages;

namespace Kiln.Agents;

/// <summary>
/// The one edge where Kiln's conversation and tool shapes become the Anthropic SDK's, with the prompt cache's
/// breakpoints: Anthropic caches the request's prefix up to a block marked <c>cache_control</c>, so Kiln marks the last
/// tool, the system prompt and the newest message of every request. The next request then reads everything before its
/// own newest message from the cache and pays full price only for what is new.
/// </summary>
public static class AnthropicMapping
{
    /// <summary>The default five-minute cache: a generation's turns follow each other within seconds.</summary>
    private static CacheControlEphemeral Breakpoint => new();

    /// <param name="message">A message of the conversation.</param>
    /// <param name="cacheBreakpoint">Mark its last block as a cache breakpoint (the newest message of a request).</param>
    public static MessageParam ToParam(ConversationMessage message, bool cacheBreakpoint = false)
    {
        List<ContentBlockParam> content = [.. message.Content.Select((part, index) => ToBlock(part, cacheBreakpoint && index == message.Content.Count - 1))];
        return message.Role == ConversationRole.User
            ? new UserMessageParam { Content = content }
            : new AssistantMessageParam { Content = content };
    }

    /// <summary>The conversation as request messages, its newest message a cache breakpoint when <paramref name="cache"/>.</summary>
    public static List<MessageParam> ToParams(IReadOnlyList<ConversationMessage> conversation, bool cache) =>
        [.. conversation.Select((message, index) => ToParam(message, cache && index == conversation.Count - 1))];

    /// <summary>The system prompt as one text block, a cache breakpoint when <paramref name="cache"/>.</summary>
    public static List<TextBlockParam> ToSystem(string instructions, bool cache) =>
        [cache ? new TextBlockParam { Text = instructions, CacheControl = Breakpoint } : new TextBlockParam { Text = instructions }];

    /// <summary>The tools, the last a cache breakpoint when <paramref name="cache"/> (tools come first in the cached prefix).</summary>
    public static List<ToolUnion> ToTools(IReadOnlyList<ModelContextProtocol.Protocol.Tool> tools, bool cache) =>
        [.. tools.Select((tool, index) => ToTool(tool, cache && index == tools.Count - 1))];

    public static ToolUnion ToTool(ModelContextProtocol.Protocol.Tool tool, bool cacheBreakpoint = false)
    {
        var schema = tool.InputSchema;
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object
            ? p.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.Clone())
            : [];
        var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(item => item.GetString()!).ToList()
            : [];
        var definition = new Tool
        {
            Name = tool.Name,
            Description = tool.Description,
            InputSchema = new InputSchema { Properties = properties, Required = required },
        };
        return cacheBreakpoint ? new Tool
        {
            Name = definition.Name,
            Description = definition.Description,
            InputSchema = definition.InputSchema,
            CacheControl = Breakpoint,
        } : definition;
    }

    private static ContentBlockParam ToBlock(ContentPart part, bool cacheBreakpoint)
    {
        var cache = cacheBreakpoint ? Breakpoint : null;
        return part switch
        {
            TextPart text => cache is null ? new TextBlockParam { Text = text.Text } : new TextBlockParam { Text = text.Text, CacheControl = cache },
            ToolUsePart call => cache is null
                ? new ToolUseBlockParam { ID = call.Id, Name = call.Name, Input = Input(call) }
                : new ToolUseBlockParam { ID = call.Id, Name = call.Name, Input = Input(call), CacheControl = cache },
            ToolResultPart result => ToolResult(result, cache),
            ImagePart image => cache is null ? ToImage(image) : new ImageBlockParam { Source = ToImage(image).Source, CacheControl = cache },
            _ => throw new ArgumentOutOfRangeException(nameof(part), part, "Unknown conversation content."),
        };
    }

    private static Dictionary<string, JsonElement> Input(ToolUsePart call) =>
        call.Input.ValueKind == JsonValueKind.Object
            ? call.Input.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.Clone())
            : [];

    private static ToolResultBlockParam ToolResult(ToolResultPart result, CacheControlEphemeral? cache)
    {
        // A tool_result's content may be blocks: the text, then the images the tool returned.
        ToolResultBlockParamContent content = result.Images is { Count: > 0 } images
            ? new List<Block>([new TextBlockParam { Text = result.Content }, .. images.Select(image => (Block)ToImage(image))])
            : result.Content;
        return cache is null
            ? new ToolResultBlockParam { ToolUseID = result.ToolUseId, Content = content, IsError = result.IsError }
            : new ToolResultBlockParam { ToolUseID = result.ToolUseId, Content = content, IsError = result.IsError, CacheControl = cache };
    }

    private static ImageBlockParam ToImage(ImagePart image) =>
        new() { Source = new Base64ImageSource { Data = image.Data, MediaType = ImageMediaType(image.MediaType) } };

    private static MediaType ImageMediaType(string mediaType) => mediaType switch
    {
        "image/png" => MediaType.ImagePng,
        "image/jpeg" => MediaType.ImageJpeg,
        "image/gif" => MediaType.ImageGif,
        "image/webp" => MediaType.ImageWebP,
        _ => throw new ArgumentOutOfRangeException(nameof(mediaType), mediaType, "Not an image type the Messages API takes."),
    };
}
