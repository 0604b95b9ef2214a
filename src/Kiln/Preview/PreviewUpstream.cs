using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Kiln.Preview;

/// <summary>
/// The one HTTP client to the dev servers, for the proxy and the readiness probe alike, through the
/// <see cref="ForwardingHandler"/> every forwarder in Kiln uses. Requests are addressed to the server's
/// <c>127.0.0.1:port</c> (the Host a dev server accepts); a server in a network namespace of its own is not there but
/// behind a Unix socket (<see cref="Sandbox.SandboxedProcess.ExposedSocket"/>), and its port is routed to that socket,
/// so HTTP and the HMR WebSocket reach it unchanged while nothing else on the machine can.
/// </summary>
public sealed class PreviewUpstream : IDisposable
{
    private readonly ConcurrentDictionary<int, string> _sockets = new();

    public PreviewUpstream()
    {
        var handler = ForwardingHandler.Create();
        handler.ConnectCallback = ConnectAsync;
        Invoker = new HttpMessageInvoker(handler);
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>From now on, connections to <paramref name="port"/> go to the Unix socket at <paramref name="socketPath"/>.</summary>
    internal void Route(int port, string socketPath) => _sockets[port] = socketPath;

    /// <summary>Connections to <paramref name="port"/> go to the host's port again; called before the port goes back to the pool.</summary>
    internal void Unroute(int port) => _sockets.TryRemove(port, out _);

    public void Dispose() => Invoker.Dispose();

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var target = context.DnsEndPoint;
        var routed = _sockets.TryGetValue(target.Port, out var path);
        var socket = routed
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connected = false;
        try
        {
            if (routed)
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path!), cancellationToken);
            }
            else
            {
                await socket.ConnectAsync(target, cancellationToken);
            }

            connected = true;
            return new NetworkStream(socket, ownsSocket: true);
        }
        finally
        {
            if (!connected)
            {
                socket.Dispose();
            }
        }
    }
}
