using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace Kiln.ClaudeAgent;

// The MCP server's side of an in-memory pipe: messages the CLI sent (through mcp_message) are
// written into MessageReader; whatever the server sends goes to the bridge's callback.
internal sealed class InProcessMcpTransport(Func<JsonRpcMessage, CancellationToken, Task> send) : ITransport
{
    // Unbounded: the writer is the control-protocol reader, which must never block on a busy server.
    private readonly Channel<JsonRpcMessage> _incoming =
        Channel.CreateUnbounded<JsonRpcMessage>(new UnboundedChannelOptions { SingleReader = true });

    public string? SessionId => null;

    public ChannelReader<JsonRpcMessage> MessageReader => _incoming.Reader;

    public ValueTask DeliverAsync(JsonRpcMessage message, CancellationToken cancellationToken) =>
        _incoming.Writer.WriteAsync(message, cancellationToken);

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
        send(message, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _incoming.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
