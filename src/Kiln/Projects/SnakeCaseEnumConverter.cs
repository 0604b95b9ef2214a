using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kiln.Projects;

/// <summary>Writes and reads an enum as a snake_case string (<c>Interrupted</c> ⇄ <c>"interrupted"</c>).</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
