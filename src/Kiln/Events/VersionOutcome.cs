using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>How a version came to be: the outcome of the generation that made it, a restore, an import, or a person's hand edits.</summary>
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

    /// <summary>A person's hand edits (<c>PUT</c>/<c>DELETE /api/projects/{id}/files/…</c>), batched: author <c>you</c>.</summary>
    Edited,
}
