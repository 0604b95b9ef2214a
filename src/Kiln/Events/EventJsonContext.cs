using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kiln.Projects;

namespace Kiln.Events;

/// <summary>Source-generated serialisation for events: they are the hot path (stored once, sent to every subscriber).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProjectEvent))]
[JsonSerializable(typeof(EventData))] // and so every kind EventData lists
[JsonSerializable(typeof(ProjectStatus))]
internal sealed partial class EventJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Events travel as JSON over WebSockets and SSE, never inside HTML, so they keep quotes, apostrophes
    /// and angle brackets readable for people reading the stream with curl.
    /// </summary>
    // Built on first use: the generated Default is initialised in another part of this class, in no set order.
    public static EventJsonContext Wire => field ??= new(new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
