using System.ComponentModel.DataAnnotations;

namespace Kiln.Tools;

/// <summary>Limits of the tools. Bound from <c>Kiln:Tools</c>.</summary>
public sealed class ToolsOptions
{
    public const string Section = "Kiln:Tools";

    /// <summary>Largest file <c>write_file</c> or <c>edit_file</c> may produce.</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxFileBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Most files the app directory may hold (node_modules and dot-directories not counted).</summary>
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
}
