using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>How a version came to be: the outcome of the generation that made it, a restore, or a person's hand edits.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<VersionOutcome>))]
public enum VersionOutcome
{
    Ready,
    Failed,
    Cancelled,
    Interrupted,
    Restored,
    Edited,
}
