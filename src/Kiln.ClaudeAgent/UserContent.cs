using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>
/// Content blocks for a user message sent with <see cref="ClaudeAgentClient.SendAsync(IEnumerable{JsonObject}, CancellationToken)"/>:
/// the Messages API's own shapes, which the CLI passes to the model as they are.
/// </summary>
/// <example>
/// <code>
/// await client.SendAsync([UserContent.Image("image/png", File.ReadAllBytes("sketch.png")), UserContent.Text("Build this page.")], ct);
/// </code>
/// </example>
public static class UserContent
{
    private static readonly HashSet<string> ImageTypes = new(StringComparer.Ordinal) { "image/png", "image/jpeg", "image/gif", "image/webp" };

    /// <summary>A text block.</summary>
    public static JsonObject Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new JsonObject { ["type"] = "text", ["text"] = text };
    }

    /// <summary>An image block from base64 data.</summary>
    /// <param name="mediaType"><c>image/png</c>, <c>image/jpeg</c>, <c>image/gif</c> or <c>image/webp</c>.</param>
    /// <param name="base64">The image's bytes, base64-encoded.</param>
    /// <exception cref="ArgumentException">The media type is not one the Messages API takes for images.</exception>
    public static JsonObject Image(string mediaType, string base64)
    {
        ArgumentNullException.ThrowIfNull(base64);
        if (!ImageTypes.Contains(mediaType))
        {
            throw new ArgumentException($"'{mediaType}' is not an image type the Messages API takes: {string.Join(", ", ImageTypes)}.", nameof(mediaType));
        }

        return new JsonObject
        {
            ["type"] = "image",
            ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = mediaType, ["data"] = base64 },
        };
    }

    /// <summary>An image block from the image's bytes.</summary>
    /// <inheritdoc cref="Image(string, string)"/>
    public static JsonObject Image(string mediaType, ReadOnlySpan<byte> bytes) => Image(mediaType, Convert.ToBase64String(bytes));
}
