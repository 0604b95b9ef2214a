using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Kiln.Preview;

/// <summary>
/// The ports dev servers listen on, from <see cref="PreviewOptions.PortRangeStart"/> to <see cref="PreviewOptions.PortRangeEnd"/>.
/// A port is handed out only if nothing (another program, another Kiln) is listening on it; the dev server is
/// started with a strict port, so a port taken in between fails its start and another one is tried.
/// </summary>
public sealed class PortPool(IOptions<PreviewOptions> options)
{
    private readonly PreviewOptions _options = options.Value;
    private readonly HashSet<int> _rented = [];
    private readonly Lock _lock = new();

    /// <summary>A free port, or null when every port of the pool is rented or in use.</summary>
    public int? Rent()
    {
        var count = _options.PortRangeEnd - _options.PortRangeStart + 1;
        // Start anywhere in the range, so several Kiln instances on one machine rarely reach for the same port.
        var offset = Random.Shared.Next(count);
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                var port = _options.PortRangeStart + ((offset + i) % count);
                if (!_rented.Contains(port) && IsFree(port))
                {
                    _rented.Add(port);
                    return port;
                }
            }
        }

        return null;
    }

    public void Return(int port)
    {
        lock (_lock)
        {
            _rented.Remove(port);
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
