using System.Text.Json.Serialization;

namespace Kiln.Projects;

/// <summary>Where a project's latest generation stands. Serialised as a snake_case string.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<ProjectStatus>))]
public enum ProjectStatus
{
    Queued,
    Generating,
    Ready,
    Failed,
    Cancelled,
    Interrupted,
}

public static class ProjectStatusExtensions
{
    /// <summary>True while a generation is waiting or running: no follow-up may start.</summary>
    public static bool IsBusy(this ProjectStatus status) => status is ProjectStatus.Queued or ProjectStatus.Generating;

    /// <summary>The status as it is written on the wire (snake_case), for tags and labels.</summary>
    public static string WireName(this ProjectStatus status) => status switch
    {
        ProjectStatus.Queued => "queued",
        ProjectStatus.Generating => "generating",
        ProjectStatus.Ready => "ready",
        ProjectStatus.Failed => "failed",
        ProjectStatus.Cancelled => "cancelled",
        ProjectStatus.Interrupted => "interrupted",
        _ => "unknown",
    };
}
