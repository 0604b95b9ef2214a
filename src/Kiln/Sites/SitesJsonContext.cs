using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kiln.Sites;

/// <summary>The release records kept on disk.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ReleaseManifest))]
[JsonSerializable(typeof(ActiveRelease))]
internal sealed partial class SitesJsonContext : JsonSerializerContext;
