using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kiln.Agents;

/// <summary>
/// Kiln's own record of an agent conversation, kept apart from any SDK's types (converted at one edge) so it
/// can be stored, resumed and trimmed whatever the runtime.
/// </summary>
public sealed record ConversationMessage(ConversationRole Role, IReadOnlyList<ContentPart> Content);

[JsonConverter(typeof(JsonStringEnumConverter<ConversationRole>))]
public enum ConversationRole
{
    User,
    Assistant,
}

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TextPart), "text")]
[JsonDerivedType(typeof(ToolUsePart), "tool_use")]
[JsonDerivedType(typeof(ToolResultPart), "tool_result")]
[JsonDerivedType(typeof(ImagePart), "image")]
public abstract record ContentPart;

public sealed record TextPart(string Text) : ContentPart;

public sealed record ToolUsePart(string Id, string Name, JsonElement Input) : ContentPart;

/// <summary>
/// A tool's answer: its text, and the images it returned (check_app's screenshot), sent inside the tool_result.
/// Only the latest few images stay in a conversation (<see cref="ToolResultImages"/>).
/// </summary>
public sealed record ToolResultPart(string ToolUseId, string Content, bool IsError, IReadOnlyList<ImagePart>? Images = null) : ContentPart;

/// <summary>An image, base64-encoded: one the person attached to a prompt, or one a tool returned.</summary>
public sealed record ImagePart(string MediaType, string Data) : ContentPart;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(List<ConversationMessage>))]
internal sealed partial class ConversationJsonContext : JsonSerializerContext;
