using System.ComponentModel.DataAnnotations;

namespace Kiln.Tools;

/// <summary>How a person's hand edits become versions. Bound from <c>Kiln:HandEdits</c>.</summary>
public sealed class HandEditsOptions
{
    public const string Section = "Kiln:HandEdits";

    /// <summary>
    /// Seconds from a hand edit until the edits made since become one version (author <c>you</c>): saving a file a few
    /// times in a row, or several files at once, makes one version, not one per save. A prompt sent sooner commits them first.
    /// </summary>
    [Range(0.01, 3600)]
    public double BatchSeconds { get; set; } = 5;

    public TimeSpan BatchWindow => TimeSpan.FromSeconds(BatchSeconds);
}
