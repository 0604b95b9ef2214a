using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kiln.Events;

/// <summary>
/// One stored event as clients see it: <c>{seq, projectId, type, at, data}</c>. <c>seq</c> is per project,
/// starts at 1 and has no gaps.
/// </summary>
public sealed record ProjectEvent(long Seq, string ProjectId, string Type, DateTimeOffset At, JsonElement Data)
{
    /// <summary>The wire form, serialised once however many subscribers receive it.</summary>
    [JsonIgnore]
    public byte[] Utf8Json => field ??= JsonSerializer.SerializeToUtf8Bytes(this, EventJsonContext.Wire.ProjectEvent);

    public static ProjectEvent FromStored(long seq, string projectId, string type, DateTimeOffset at, string dataJson)
    {
        using var document = JsonDocument.Parse(dataJson);
        return new ProjectEvent(seq, projectId, type, at, document.RootElement.Clone());
    }
}
