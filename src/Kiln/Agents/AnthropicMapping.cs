using System.Text.Json;
using Anthropic.Models.Messages;

namespace Kiln.Agents;

/// <summary>The one edge where Kiln's conversation and tool shapes become the Anthropic SDK's.</summary>
public static class AnthropicMapping
{
    public static MessageParam ToParam(ConversationMessage message)
    {
        List<ContentBlockParam> content = [.. message.Content.Select(ToBlock)];
        return message.Role == ConversationRole.User
            ? new UserMessageParam { Content = content }
            : new AssistantMessageParam { Content = content };
    }

    public static ToolUnion ToTool(ModelContextProtocol.Protocol.Tool tool)
    {
        var schema = tool.InputSchema;
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object
            ? p.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.Clone())
            : [];
        var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(item => item.GetString()!).ToList()
            : [];
        return new Tool
        {
            Name = tool.Name,
            Description = tool.Description,
            InputSchema = new InputSchema { Properties = properties, Required = required },
        };
    }

    private static ContentBlockParam ToBlock(ContentPart part) => part switch
    {
        TextPart text => new TextBlockParam { Text = text.Text },
        ToolUsePart call => new ToolUseBlockParam
        {
            ID = call.Id,
            Name = call.Name,
            Input = call.Input.ValueKind == JsonValueKind.Object
                ? call.Input.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.Clone())
                : new Dictionary<string, JsonElement>(),
        },
        ToolResultPart { Images: { Count: > 0 } images } result => new ToolResultBlockParam
        {
            ToolUseID = result.ToolUseId,
            // A tool_result's content may be blocks: the text, then the images the tool returned.
            Content = new List<Block>([new TextBlockParam { Text = result.Content }, .. images.Select(image => (Block)ToImage(image))]),
            IsError = result.IsError,
        },
        ToolResultPart result => new ToolResultBlockParam { ToolUseID = result.ToolUseId, Content = result.Content, IsError = result.IsError },
        ImagePart image => ToImage(image),
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, "Unknown conversation content."),
    };

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
