namespace Kiln.Sandbox;

/// <summary>
/// How a command ended. <see cref="Output"/> is stdout and stderr interleaved line by line, capped
/// at <see cref="SandboxOptions.MaxOutputBytes"/>, with a note at the end saying how much was dropped.
/// </summary>
public sealed record ProcessResult(
    int ExitCode,
    string Output,
    bool OutputTruncated,
    bool TimedOut,
    bool Cancelled,
    TimeSpan Duration)
{
    /// <summary>Set when the command was stopped because its project outgrew its <see cref="ProcessSpec.DiskQuota"/>.</summary>
    public DiskQuotaExceeded? QuotaExceeded { get; init; }

    /// <summary>It was stopped for trying to run more processes than <see cref="SandboxOptions.MaxProcesses"/> (a fork bomb).</summary>
    public bool ProcessLimitReached { get; init; }
}
