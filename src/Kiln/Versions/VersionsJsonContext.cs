using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kiln.Versions;

/// <summary>The files Versions keeps beside the app: each version's screenshot index, and where the history is pushed.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(List<StoredPage>))]
[JsonSerializable(typeof(StoredGitSettings))]
internal sealed partial class VersionsJsonContext : JsonSerializerContext;
