using System.Text.Json.Serialization;

namespace Kiln.Projects;

/// <summary>What an attached file is to the model: an image it sees, or a text file placed in the app.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<AttachmentKind>))]
public enum AttachmentKind
{
    Image,
    Text,
}

/// <summary>
/// A file that came with a prompt, as the project record keeps it. The bytes are in the project's
/// <c>attachments/{promptNumber}/{Name}</c>; a text file is also in the app at <c>AppPath</c>.
/// </summary>
/// <param name="Name">The file name, made safe (letters, digits, <c>.</c>, <c>-</c>, <c>_</c>).</param>
/// <param name="Kind">An image the model sees, or a text file placed in the app.</param>
/// <param name="MediaType">The type found from the bytes, not the one the client claimed.</param>
/// <param name="Size">Bytes.</param>
/// <param name="AppPath">Where a text file was placed in the app (<c>public/uploads/…</c>); null for an image.</param>
public sealed record Attachment(string Name, AttachmentKind Kind, string MediaType, long Size, string? AppPath = null);
