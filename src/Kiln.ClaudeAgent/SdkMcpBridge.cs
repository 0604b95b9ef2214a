using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kiln.ClaudeAgent;

// Hosts each SdkMcpServer as a real McpServer over an in-memory transport and carries JSON-RPC
// between it and the CLI: a CLI request (mcp_message with an id) is delivered to the server and
// answered with the server's response of the same id; notifications and responses are delivered
// and acknowledged; whatever the server says on its own (progress, list_changed) goes to the CLI
// as an mcp_message control request of ours.
internal sealed class SdkMcpBridge : IAsyncDisposable
{
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    private readonly Dictionary<string, Hosted> _servers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Server, string Id), TaskCompletionSource<JsonNode>> _pending = new();
    private readonly Func<string, JsonNode, CancellationToken, Task> _sendToCli;
    private readonly CancellationTokenSource _stopping = new();

    public SdkMcpBridge(IEnumerable<KeyValuePair<string, SdkMcpServer>> servers, Func<string, JsonNode, CancellationToken, Task> sendToCli)
    {
        _sendToCli = sendToCli;
        foreach (var (name, config) in servers)
        {
            var transport = new InProcessMcpTransport((message, ct) => FromServerAsync(name, message, ct));
            var server = McpServer.Create(transport, config.OptionsFor(name), loggerFactory: null, config.Services);
            _servers[name] = new Hosted(transport, server, server.RunAsync(_stopping.Token));
        }
    }

    public IReadOnlyCollection<string> Names => _servers.Keys;

    /// <summary>Delivers one JSON-RPC message from the CLI and returns what goes back in <c>mcp_response</c>.</summary>
    public async Task<JsonNode> HandleAsync(string serverName, JsonObject message, CancellationToken cancellationToken)
    {
        if (!_servers.TryGetValue(serverName, out var hosted))
        {
            throw new InvalidOperationException($"There is no SDK MCP server named '{serverName}'.");
        }
        // The CLI leaves "jsonrpc" off its MCP initialize request; the C# SDK insists on it.
        message["jsonrpc"] ??= "2.0";
        var rpc = message.Deserialize(MessageType)
            ?? throw new InvalidOperationException("The mcp_message carried no JSON-RPC message.");

        if (rpc is not JsonRpcRequest request)
        {
            await hosted.Transport.DeliverAsync(rpc, cancellationToken);
            // Notifications and responses have no answer; the TypeScript SDK acknowledges them with this.
            return new JsonObject { ["jsonrpc"] = "2.0", ["result"] = new JsonObject(), ["id"] = 0 };
        }

        var key = (serverName, IdOf(request.Id));
        var reply = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(key, reply))
        {
            throw new InvalidOperationException($"A request with id {key.Item2} is already in flight on '{serverName}'.");
        }
        try
        {
            await hosted.Transport.DeliverAsync(rpc, cancellationToken);
            return await reply.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    private Task FromServerAsync(string serverName, JsonRpcMessage message, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToNode(message, MessageType)!;
        if (message is JsonRpcMessageWithId { Id: var id } and not JsonRpcRequest
            && _pending.TryGetValue((serverName, IdOf(id)), out var reply))
        {
            reply.TrySetResult(json);
            return Task.CompletedTask;
        }
        return _sendToCli(serverName, json, cancellationToken);
    }

    // A string id "1" and a numeric id 1 are different requests; their JSON forms keep them apart.
    private static string IdOf(RequestId id) => JsonSerializer.Serialize(id, McpJsonUtilities.DefaultOptions);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var hosted in _servers.Values)
        {
            await hosted.Transport.DisposeAsync();
            try
            {
                await hosted.Running;
            }
            catch (OperationCanceledException)
            {
                // RunAsync ends by cancellation when the bridge stops; that is the normal way out.
            }
            await hosted.Server.DisposeAsync();
        }
        foreach (var reply in _pending.Values)
        {
            reply.TrySetCanceled();
        }
        _stopping.Dispose();
    }

    private sealed record Hosted(InProcessMcpTransport Transport, McpServer Server, Task Running);
}
