using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>How a version came to be: the outcome of the generation that made it, a restore, or an import.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<VersionOutcome>))]
public enum VersionOutcome
{
    Ready,
    Failed,
    Cancelled,
    Interrupted,
    Restored,

    /// <summary>The app as it was brought in (<c>POST /api/import</c>): a project's first version.</summary>
    Imported,
}
