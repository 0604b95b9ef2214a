using System.Text.Json;
using Kiln.Events;

namespace Kiln.Tests.Events;

public sealed class EventWireFormatTests
{
    [Fact]
    public void An_event_is_seq_projectId_type_at_data_with_readable_text_and_no_type_inside_data()
    {
        var data = JsonSerializer.SerializeToElement(new AgentMessage("It's <b>done</b> & \"fine\""), typeof(AgentMessage), EventJsonContext.Wire);
        var wire = new ProjectEvent(7, "abcdefghijkl", "agent_message", DateTimeOffset.UnixEpoch, data);

        var json = System.Text.Encoding.UTF8.GetString(wire.Utf8Json);
        var parsed = JsonDocument.Parse(json).RootElement;

        Assert.Equal(["seq", "projectId", "type", "at", "data"], parsed.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["text"], parsed.GetProperty("data").EnumerateObject().Select(p => p.Name));
        Assert.Contains("It's <b>done</b> & \\\"fine\\\"", json, StringComparison.Ordinal);
    }
}
