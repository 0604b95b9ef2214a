using System.ComponentModel.DataAnnotations;

namespace Kiln.Agents;

/// <summary>Files a prompt may bring (<c>POST /api/generate</c> as multipart/form-data). Bound from <c>Kiln:Attachments</c>.</summary>
public sealed class AttachmentsOptions
{
    public const string Section = "Kiln:Attachments";

    /// <summary>Largest attached file. The Messages API takes images up to 5 MB.</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxFileBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Most files with one prompt.</summary>
    [Range(1, 100)]
    public int MaxFiles { get; set; } = 8;

    /// <summary>Most bytes of all the files of one prompt together.</summary>
    [Range(1, 256 * 1024 * 1024)]
    public int MaxTotalBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// The kinds of file accepted, by extension; <c>false</c> refuses one (<c>Kiln:Attachments:Types:svg=false</c>).
    /// Images (png, jpeg, gif, webp) reach the model as images; the rest must be UTF-8 text and are placed in the
    /// app under <c>public/uploads/</c>. An extension not listed here cannot be enabled.
    /// </summary>
    public Dictionary<string, bool> Types { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["png"] = true, ["jpg"] = true, ["jpeg"] = true, ["gif"] = true, ["webp"] = true,
        ["txt"] = true, ["md"] = true, ["json"] = true, ["csv"] = true, ["svg"] = true,
        ["html"] = true, ["css"] = true, ["js"] = true, ["ts"] = true,
    };

    /// <summary>The extensions accepted now, for messages.</summary>
    public IEnumerable<string> Accepted => Types.Where(type => type.Value && AttachmentFile.IsKnownExtension(type.Key)).Select(type => type.Key);

    /// <summary>Most bytes of files one prompt may bring: every file at its largest, within the total.</summary>
    public long MaxFilesBytes => Math.Min((long)MaxTotalBytes, (long)MaxFiles * MaxFileBytes);
}
