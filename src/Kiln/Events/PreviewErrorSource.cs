using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>Where an error of the running app was seen.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<PreviewErrorSource>))]
public enum PreviewErrorSource
{
    /// <summary><c>build_project</c> failed.</summary>
    Build,

    /// <summary>
    /// The dev server could not compile a module (Vite's "Internal server error", "Pre-transform error"), or, when a
    /// generation ended, the app's dev server did not run.
    /// </summary>
    DevServer,

    /// <summary>The preview page threw, rejected a promise unhandled, or called <c>console.error</c>.</summary>
    Runtime,

    /// <summary>A page that rendered without errors in an earlier version fails now (Kiln's re-check when a generation ended).</summary>
    Regression,
}
