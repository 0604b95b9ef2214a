using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

// Lenient field access: the CLI's messages grow new fields and occasionally change a field's
// shape, and a reader that throws on either would make an upgrade fatal.
internal static class JsonFields
{
    public static string? Str(this JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static long Long(this JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n : 0;

    public static decimal Decimal(this JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<decimal>(out var n) ? n : 0m;

    public static bool Bool(this JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    public static int? NullableInt(this JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) ? n : null;

    public static bool? NullableBool(this JsonObject obj, string name) => obj[name] is JsonValue v
        ? v.GetValueKind() switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null }
        : null;

    public static double Double(this JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var n) ? n : 0;

    public static JsonObject Obj(this JsonObject obj, string name) => obj[name] as JsonObject ?? [];

    public static IEnumerable<JsonObject> Objects(this JsonObject obj, string name) =>
        obj[name] is JsonArray a ? a.OfType<JsonObject>() : [];

    public static IReadOnlyList<string> Strings(this JsonObject obj, string name) =>
        obj[name] is JsonArray a
            ? [.. a.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>())]
            : [];
}
