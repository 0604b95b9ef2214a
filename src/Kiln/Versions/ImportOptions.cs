using System.ComponentModel.DataAnnotations;

namespace Kiln.Versions;

/// <summary>
/// Limits on an app brought in with <c>POST /api/import</c>, bound from <c>Kiln:Import</c>. Each is checked against the
/// bytes actually unpacked, never against what an archive's headers claim.
/// </summary>
public sealed class ImportOptions
{
    public const string Section = "Kiln:Import";

    /// <summary>The most bytes an uploaded zip may have (the request body); a bigger upload is refused with 413.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 100L << 20;

    /// <summary>The most bytes the app's files may hold once unpacked, all together.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxTotalBytes { get; set; } = 200L << 20;

    /// <summary>The most bytes one file may hold once unpacked.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 50L << 20;

    /// <summary>The most files the app may have (the same default as <c>Kiln:Tools:MaxFiles</c>, which then holds for the agent).</summary>
    [Range(1, 1_000_000)]
    public int MaxFiles { get; set; } = 2000;

    /// <summary>
    /// The most a file may grow when inflated, as unpacked bytes per compressed byte: text compresses 3-10 times, a zip
    /// bomb thousands of times. Checked once a file passes <see cref="RatioCheckedFromBytes"/>, so small files of one
    /// repeated character are not refused.
    /// </summary>
    [Range(2, 100_000)]
    public int MaxCompressionRatio { get; set; } = 100;

    /// <summary>The size from which a file's compression ratio is checked.</summary>
    [Range(0, long.MaxValue)]
    public long RatioCheckedFromBytes { get; set; } = 1L << 20;
}
