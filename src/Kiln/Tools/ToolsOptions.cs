using System.ComponentModel.DataAnnotations;

namespace Kiln.Tools;

/// <summary>Limits of the tools. Bound from <c>Kiln:Tools</c>.</summary>
public sealed class ToolsOptions
{
    public const string Section = "Kiln:Tools";

    /// <summary>Largest file <c>write_file</c> or <c>edit_file</c> may produce.</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxFileBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>
    /// Most files the app directory may hold: files only, not directories, and none in node_modules or a directory whose
    /// name starts with a dot (.git, .next, caches), so an install or a build never reaches it. Holds for the file tools
    /// and for commands, which are stopped when they go past it.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxFiles { get; set; } = 2_000;

    /// <summary>Most bytes <c>read_file</c> returns; a longer file is cut with a note saying so.</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxReadBytes { get; set; } = 256 * 1024;

    /// <summary>Most entries <c>list_directory</c> returns.</summary>
    [Range(1, 100_000)]
    public int MaxListEntries { get; set; } = 500;

    /// <summary>
    /// Most characters of a command's output a tool returns to the model: the beginning and the end are kept, the
    /// middle is cut with a note. Everything the command printed (up to <c>Kiln:Sandbox:MaxOutputBytes</c>) still
    /// streams as <c>command_output</c> events, up to <see cref="MaxStreamedOutputBytes"/>.
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxCommandOutputChars { get; set; } = 32 * 1024;

    /// <summary>Most bytes of one command's output sent as <c>command_output</c> events; the rest is summarised in one last event.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxStreamedOutputBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Largest share of an existing file a <c>write_file</c> may remove (0.5: the new content must keep at least half
    /// its size). A bigger cut is usually a model writing an excerpt over the whole file; it is refused and the model
    /// is told to use <c>edit_file</c>. 1 switches the check off.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MaxShrinkRatio { get; set; } = 0.5;

    /// <summary>Files smaller than this many bytes may shrink freely: rewriting a small file whole is normal.</summary>
    [Range(0, 64 * 1024 * 1024)]
    public int ShrinkGuardMinBytes { get; set; } = 1024;
}
