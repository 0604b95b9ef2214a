using System.ComponentModel.DataAnnotations;

namespace Kiln.Operations;

/// <summary>How Kiln stops, bound from the <c>Kiln</c> section.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Kiln";

    /// <summary>
    /// Time the host keeps after the drain for what comes next: interrupting what still runs (the claude-code
    /// runtime may take 5 s to stop the CLI), stopping dev servers, releasing leases, stopping Kestrel.
    /// </summary>
    public static readonly TimeSpan AfterDrain = TimeSpan.FromSeconds(15);

    /// <summary>
    /// On SIGTERM, how long running generations may go on to finish before they are marked <c>interrupted</c>.
    /// The host's own shutdown timeout is this plus <see cref="AfterDrain"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromMinutes(1);
}
