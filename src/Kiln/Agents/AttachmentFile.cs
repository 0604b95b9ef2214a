using System.Text;
using System.Text.RegularExpressions;
using Kiln.Projects;

namespace Kiln.Agents;

/// <summary>
/// An uploaded file checked for what it really is: its type comes from its bytes (an image's magic number, a text
/// file's valid UTF-8), never from the name or content type the client sent, and its name is made safe to use as a
/// file name.
/// </summary>
public sealed partial record AttachmentFile(string Name, AttachmentKind Kind, string MediaType, byte[] Bytes)
{
    private static readonly Dictionary<string, (AttachmentKind Kind, string MediaType)> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["png"] = (AttachmentKind.Image, "image/png"),
        ["jpg"] = (AttachmentKind.Image, "image/jpeg"),
        ["jpeg"] = (AttachmentKind.Image, "image/jpeg"),
        ["gif"] = (AttachmentKind.Image, "image/gif"),
        ["webp"] = (AttachmentKind.Image, "image/webp"),
        ["txt"] = (AttachmentKind.Text, "text/plain"),
        ["md"] = (AttachmentKind.Text, "text/markdown"),
        ["json"] = (AttachmentKind.Text, "application/json"),
        ["csv"] = (AttachmentKind.Text, "text/csv"),
        ["svg"] = (AttachmentKind.Text, "image/svg+xml"),
        ["html"] = (AttachmentKind.Text, "text/html"),
        ["css"] = (AttachmentKind.Text, "text/css"),
        ["js"] = (AttachmentKind.Text, "text/javascript"),
        ["ts"] = (AttachmentKind.Text, "text/typescript"),
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public Attachment ToAttachment(string? appPath) => new(Name, Kind, MediaType, Bytes.Length, appPath);

    public static bool IsKnownExtension(string extension) => Extensions.ContainsKey(extension);

    /// <summary>
    /// Checks a file; returns it, or the reason it is refused (a sentence naming the file and what is accepted).
    /// </summary>
    public static (AttachmentFile? File, string? Refusal) Check(string? clientName, byte[] bytes, AttachmentsOptions options)
    {
        var name = SafeName(clientName);
        var extension = Path.GetExtension(name).TrimStart('.');
        var accepted = string.Join(", ", options.Accepted);
        if (!options.Types.TryGetValue(extension, out var allowed) || !allowed || !Extensions.TryGetValue(extension, out var claimed))
        {
            return (null, $"'{name}' is not a kind of file Kiln accepts. Attach one of: {accepted} (Kiln:Attachments:Types).");
        }

        var image = ImageType(bytes);
        if (claimed.Kind == AttachmentKind.Image)
        {
            if (image is null)
            {
                return (null, $"'{name}' is named as an image but its content is not a PNG, JPEG, GIF or WebP image. Attach the image file itself.");
            }

            // A photo saved as .png that is really a JPEG is still the image the person meant: its bytes decide.
            return options.Types.GetValueOrDefault(ImageExtension(image)) || ImageExtension(image) == "jpeg" && options.Types.GetValueOrDefault("jpg")
                ? (new AttachmentFile(name, AttachmentKind.Image, image, bytes), null)
                : (null, $"'{name}' is really a {image} image, which is not accepted. Attach one of: {accepted}.");
        }

        if (image is not null || !IsText(bytes))
        {
            return (null, $"'{name}' is named as a text file ({extension}) but its content is not UTF-8 text. Attach the text file itself, saved as UTF-8.");
        }

        return (new AttachmentFile(name, AttachmentKind.Text, claimed.MediaType, bytes), null);
    }

    /// <summary>The last segment of the client's name, reduced to letters, digits, '.', '-' and '_', at most 80 characters.</summary>
    public static string SafeName(string? clientName)
    {
        var last = (clientName ?? "").Replace('\\', '/').Split('/').LastOrDefault() ?? "";
        var safe = Unsafe().Replace(last.Normalize(NormalizationForm.FormKC), "-").Trim('.', '-', '_', ' ');
        safe = Repeats().Replace(safe, "-");
        var extension = Path.GetExtension(safe).ToLowerInvariant();
        var stem = Path.GetFileNameWithoutExtension(safe).Trim('.', '-', '_');
        if (stem.Length == 0)
        {
            stem = "file";
        }

        stem = stem[..Math.Min(stem.Length, 80 - Math.Min(extension.Length, 10))];
        return stem + extension[..Math.Min(extension.Length, 10)];
    }

    private static string? ImageType(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        return bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8) ? "image/webp" : null;
    }

    private static string ImageExtension(string mediaType) => mediaType["image/".Length..];

    private static bool IsText(byte[] bytes)
    {
        if (bytes.AsSpan().IndexOf((byte)0) >= 0)
        {
            return false;
        }

        try
        {
            StrictUtf8.GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();

    [GeneratedRegex(@"-{2,}")]
    private static partial Regex Repeats();
}
