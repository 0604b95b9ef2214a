using System.Net;
using System.Net.Sockets;

namespace Kiln.Browser;

/// <summary>
/// A loopback port that is bound and never listened on, so the kernel refuses every connection to it at once: the
/// proxy a check's browser context sends everything to except the preview's own origin. Held for Kiln's lifetime, so
/// no other program can take the port and start answering.
/// </summary>
internal sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => _socket.Dispose();
}
