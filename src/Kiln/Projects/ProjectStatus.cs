using System.Text.Json.Serialization;
using Kiln.Json;

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
}
