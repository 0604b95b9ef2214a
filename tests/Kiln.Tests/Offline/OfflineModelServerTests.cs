using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Offline;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Offline;

/// <summary>
/// The offline model's endpoint as any Messages API client meets it: a JSON answer when the client does not stream,
/// only for the holder of this process's key, and only on loopback.
/// </summary>
public sealed class OfflineModelServerTests
{
    private static readonly JsonObject Request = new()
    {
        ["model"] = OfflineModelServer.ModelName,
        ["max_tokens"] = 4096,
        ["messages"] = new JsonArray(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "a counter for push-ups" }),
        }),
        ["tools"] = new JsonArray(
            Tool("write_file"), Tool("read_file"), Tool("list_directory"), Tool("delete_file"), Tool("start_dev_server")),
    };

    [Fact]
    public async Task Without_stream_the_answer_is_one_json_message_with_the_same_tool_use_as_the_stream()
    {
        await using var kiln = KilnApp.Start();
        var (server, url) = await OfflineServerAsync(kiln);
        using var client = new HttpClient { BaseAddress = url };

        using var response = await client.SendAsync(Post(Body(stream: false), server.ApiKey));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var message = JsonDocument.Parse(text).RootElement;
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal(OfflineModelServer.ModelName, message.GetProperty("model").GetString());
        Assert.StartsWith("msg_offline_", message.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("tool_use", message.GetProperty("stop_reason").GetString());
        Assert.True(message.GetProperty("usage").GetProperty("input_tokens").GetInt32() > 0);
        Assert.True(message.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
        var blocks = message.GetProperty("content").EnumerateArray().ToList();
        Assert.Equal("text", blocks[0].GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(blocks[0].GetProperty("text").GetString()));
        var call = Assert.Single(blocks, block => block.GetProperty("type").GetString() == "tool_use");
        Assert.StartsWith("toolu_", call.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("write_file", call.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(call.GetProperty("input").GetProperty("path").GetString()));
        Assert.False(string.IsNullOrEmpty(call.GetProperty("input").GetProperty("content").GetString()));

        // The streamed answer to the same conversation is the same message, in pieces.
        using var streamed = await client.SendAsync(Post(Body(stream: true), server.ApiKey));
        Assert.Equal("text/event-stream", streamed.Content.Headers.ContentType?.MediaType);
        var (toolId, toolName, toolInput) = AssembleToolUse(await streamed.Content.ReadAsStringAsync());
        Assert.Equal(call.GetProperty("id").GetString(), toolId);
        Assert.Equal("write_file", toolName);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(call.GetProperty("input").GetRawText()), JsonNode.Parse(toolInput)), toolInput);
    }

    [Fact]
    public async Task A_request_without_this_processs_key_is_refused()
    {
        await using var kiln = KilnApp.Start();
        var (server, url) = await OfflineServerAsync(kiln);
        using var client = new HttpClient { BaseAddress = url };

        foreach (var key in new string?[] { null, "", "sk-ant-not-the-key", server.ApiKey + "x", server.ApiKey[..^1] })
        {
            using var response = await client.SendAsync(Post(Body(stream: false), key));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("error", error.GetProperty("type").GetString());
            Assert.Equal("authentication_error", error.GetProperty("error").GetProperty("type").GetString());
        }

        // Another Kiln's offline model has a key of its own.
        await using var other = KilnApp.Start();
        var (otherServer, _) = await OfflineServerAsync(other);
        Assert.NotEqual(server.ApiKey, otherServer.ApiKey);
        using (var foreign = await client.SendAsync(Post(Body(stream: false), otherServer.ApiKey)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, foreign.StatusCode);
        }

        // The key works as a bearer token too, as the SDKs send it.
        using var bearer = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(Body(stream: false), Encoding.UTF8, "application/json") };
        bearer.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", server.ApiKey);
        using var accepted = await client.SendAsync(bearer);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task It_listens_on_loopback_only()
    {
        await using var kiln = KilnApp.Start();
        var (_, url) = await OfflineServerAsync(kiln);

        Assert.True(IPAddress.TryParse(url.Host, out var address) && IPAddress.IsLoopback(address), $"The offline model listens on {url}, not on loopback.");
        // Nothing answers on that port from the machine's other addresses.
        var others = NetworkInterface.GetAllNetworkInterfaces()
            .Where(network => network.OperationalStatus == OperationalStatus.Up)
            .SelectMany(network => network.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .Where(other => other.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(other))
            .ToList();
        foreach (var other in others)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var refused = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(other, url.Port, TestContext.Current.CancellationToken));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    }

    private static async Task<(OfflineModelServer Server, Uri Url)> OfflineServerAsync(KilnApp kiln)
    {
        var server = kiln.Services.GetRequiredService<OfflineModelServer>();
        return (server, await server.GetBaseUrlAsync(TestContext.Current.CancellationToken));
    }

    private static JsonObject Tool(string name) => new()
    {
        ["name"] = name,
        ["description"] = name,
        ["input_schema"] = new JsonObject { ["type"] = "object" },
    };

    private static string Body(bool stream)
    {
        var body = Request.DeepClone().AsObject();
        body["stream"] = stream;
        return body.ToJsonString();
    }

    private static HttpRequestMessage Post(string body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("anthropic-version", "2023-06-01");
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        return request;
    }

    /// <summary>The tool_use block of a streamed message, put together from its start and its input_json deltas.</summary>
    private static (string Id, string Name, string Input) AssembleToolUse(string events)
    {
        string? id = null, name = null;
        int? index = null;
        var input = new StringBuilder();
        foreach (var line in events.Split('\n').Where(line => line.StartsWith("data: ", StringComparison.Ordinal)))
        {
            var data = JsonDocument.Parse(line["data: ".Length..]).RootElement;
            switch (data.GetProperty("type").GetString())
            {
                case "content_block_start" when data.GetProperty("content_block").GetProperty("type").GetString() == "tool_use":
                    index = data.GetProperty("index").GetInt32();
                    id = data.GetProperty("content_block").GetProperty("id").GetString();
                    name = data.GetProperty("content_block").GetProperty("name").GetString();
                    break;
                case "content_block_delta" when data.GetProperty("index").GetInt32() == index:
                    input.Append(data.GetProperty("delta").GetProperty("partial_json").GetString());
                    break;
                default:
                    break;
            }
        }

        Assert.NotNull(id);
        return (id, name!, input.ToString());
    }
}
