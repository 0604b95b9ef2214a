using System.Text.Json.Nodes;

namespace Kiln.Offline;

/// <summary>Writes an <see cref="OfflineReply"/> as the Anthropic Messages API does: one JSON message, or an SSE stream.</summary>
public static class MessagesApiWriter
{
    private const int ChunkSize = 2048;

    public static Task WriteJsonAsync(HttpResponse response, OfflineReply reply, string messageId, string model, CancellationToken cancellationToken)
    {
        var content = new JsonArray();
        foreach (var block in reply.Content)
        {
            content.Add(block switch
            {
                OfflineText text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
                OfflineToolUse call => new JsonObject { ["type"] = "tool_use", ["id"] = call.Id, ["name"] = call.Name, ["input"] = call.Input.DeepClone() },
                _ => throw new ArgumentOutOfRangeException(nameof(reply), block, "Unknown block."),
            });
        }

        var message = Message(messageId, model, reply.InputTokens, reply.OutputTokens);
        message["content"] = content;
        message["stop_reason"] = reply.StopReason;
        response.ContentType = "application/json";
        return response.WriteAsync(message.ToJsonString(), cancellationToken);
    }

    public static async Task WriteStreamAsync(HttpResponse response, OfflineReply reply, string messageId, string model, CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";

        await SendAsync(response, "message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = Message(messageId, model, reply.InputTokens, outputTokens: 1),
        }, cancellationToken);

        for (var index = 0; index < reply.Content.Count; index++)
        {
            var (start, deltas) = reply.Content[index] switch
            {
                OfflineText text => (
                    new JsonObject { ["type"] = "text", ["text"] = "" },
                    Chunks(text.Text).Select(chunk => new JsonObject { ["type"] = "text_delta", ["text"] = chunk })),
                OfflineToolUse call => (
                    new JsonObject { ["type"] = "tool_use", ["id"] = call.Id, ["name"] = call.Name, ["input"] = new JsonObject() },
                    Chunks(call.Input.ToJsonString()).Select(chunk => new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = chunk })),
                var other => throw new ArgumentOutOfRangeException(nameof(reply), other, "Unknown block."),
            };

            await SendAsync(response, "content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = index, ["content_block"] = start }, cancellationToken);
            foreach (var delta in deltas)
            {
                await SendAsync(response, "content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = delta }, cancellationToken);
            }

            await SendAsync(response, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index }, cancellationToken);
        }

        await SendAsync(response, "message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = reply.StopReason, ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = reply.OutputTokens },
        }, cancellationToken);
        await SendAsync(response, "message_stop", new JsonObject { ["type"] = "message_stop" }, cancellationToken);
    }

    /// <summary>An API error in Anthropic's shape, so clients show the message.</summary>
    public static Task WriteErrorAsync(HttpResponse response, int status, string type, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
        };
        return response.WriteAsync(body.ToJsonString(), cancellationToken);
    }

    private static JsonObject Message(string id, string model, int inputTokens, int outputTokens) => new()
    {
        ["id"] = id,
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = model,
        ["content"] = new JsonArray(),
        ["stop_reason"] = null,
        ["stop_sequence"] = null,
        ["usage"] = new JsonObject
        {
            ["input_tokens"] = inputTokens,
            ["output_tokens"] = outputTokens,
            ["cache_creation_input_tokens"] = 0,
            ["cache_read_input_tokens"] = 0,
        },
    };

    private static IEnumerable<string> Chunks(string text)
    {
        for (var offset = 0; offset < text.Length;)
        {
            var length = Math.Min(ChunkSize, text.Length - offset);
            if (offset + length < text.Length && char.IsHighSurrogate(text[offset + length - 1]))
            {
                length--; // Never split a surrogate pair across two deltas.
            }

            yield return text.Substring(offset, length);
            offset += length;
        }
    }

    private static async Task SendAsync(HttpResponse response, string name, JsonObject data, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {name}\ndata: {data.ToJsonString()}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
