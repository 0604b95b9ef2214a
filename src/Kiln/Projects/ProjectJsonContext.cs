using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kiln.Projects;

/// <summary>How the store writes a project's metadata (one JSON document per project).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Project))]
internal sealed partial class ProjectJsonContext : JsonSerializerContext;
