using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kiln.Sandbox;

/// <summary>
/// Kiln's end of a sandboxed command's only way out: an HTTP proxy on a Unix socket, which the bridge inside the
/// command's network namespace serves as <c>127.0.0.1:</c><see cref="SandboxNetwork.EgressPort"/>. It opens CONNECT
/// tunnels and forwards absolute-form <c>http://</c> requests to the hosts of its <see cref="EgressAllowlist"/> and
/// to nothing else, directly or through the proxy the host itself uses, and answers every other request with a 403.
/// </summary>
/// <remarks>
/// A socket listener rather than Kestrel: Kestrel does not support the CONNECT method in any HTTP version
/// (dotnet/aspnetcore#32004), and a tunnel needs nothing of HTTP beyond the first request head, after which it only
/// copies bytes. Each command gets a proxy of its own, so its allowlist, its connections and its socket end with it.
/// </remarks>
internal sealed class EgressProxy : IAsyncDisposable
{
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    // Per hop, never passed on: the proxy decides how its own connections end.
    private static readonly string[] HopByHop = ["Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer", "Upgrade"];

    private readonly Socket _listener;
    private readonly EgressAllowlist _allowlist;
    private readonly Uri? _upstreamProxy;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly Task _accepting;
    private int _disposed;

    /// <param name="socketPath">Where to listen; the directory must exist and the file must not.</param>
    /// <param name="allowlist">The hosts it may connect to.</param>
    /// <param name="upstreamProxy">An http:// proxy to connect through; null to follow Kiln's environment (HTTPS_PROXY and friends) per host.</param>
    /// <param name="logger">Where refusals are logged.</param>
    public EgressProxy(string socketPath, EgressAllowlist allowlist, Uri? upstreamProxy, ILogger logger)
    {
        _allowlist = allowlist;
        _upstreamProxy = upstreamProxy;
        _logger = logger;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            _listener.Listen(128);
        }
        catch (SocketException)
        {
            _listener.Dispose();
            throw;
        }

        _accepting = AcceptAsync();
    }

    /// <summary>Stops listening, ends every open connection and waits until they are gone.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _accepting;
        await Task.WhenAll(_connections.Keys);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception exception) when (_stopping.IsCancellationRequested &&
                                              exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            // Every connection is kept until it ends, so disposing the proxy can wait for all of them.
            var connection = ServeAsync(client);
            _connections.TryAdd(connection, 0);
            _ = connection.ContinueWith(
                static (finished, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(finished, out _),
                _connections, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        Socket? upstream = null;
        try
        {
            using var setup = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            setup.CancelAfter(HeadTimeout);
            await using var toClient = new NetworkStream(client, ownsSocket: false);
            var request = await MessageHead.ReadAsync(toClient, setup.Token);
            if (request is null || Target(request) is not { } destination)
            {
                await AnswerAsync(toClient, 400, "Bad Request",
                    "Kiln's egress proxy forwards CONNECT host:port and absolute http:// requests only.", setup.Token);
                return;
            }

            var (host, port, tunnel) = destination;

            var target = string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
            if (_allowlist.Match(host, port) is not { } rule)
            {
                _logger.EgressRefused(target, _allowlist.ToString());
                await AnswerAsync(toClient, 403, "Forbidden",
                    $"Kiln's sandbox does not allow connections to {target}. Allowed: {_allowlist} (Kiln:Sandbox:AllowedHosts).", setup.Token);
                return;
            }

            var proxy = UpstreamFor(host, port, tunnel);
            setup.CancelAfter(ConnectTimeout);
            string? failure;
            (upstream, failure) = proxy is null
                ? await ConnectDirectAsync(host, port, rule.NamesLoopback, setup.Token)
                : await ConnectThroughAsync(proxy, host, port, tunnel, setup.Token);
            if (upstream is null)
            {
                _logger.EgressFailed(target, failure!);
                await AnswerAsync(toClient, 502, "Bad Gateway", $"Kiln's egress proxy could not reach {target}: {failure}", setup.Token);
                return;
            }

            _logger.EgressOpened(target, proxy?.Authority ?? "direct");
            await using var toUpstream = new NetworkStream(upstream, ownsSocket: false);
            if (tunnel)
            {
                await toClient.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), setup.Token);
            }
            else
            {
                await toUpstream.WriteAsync(ForwardedHead(request, proxy), setup.Token);
            }

            // Whatever the client sent after its head (a TLS hello that did not wait for the 200) belongs to the upstream.
            await toUpstream.WriteAsync(request.Rest, setup.Token);
            await RelayAsync(client, upstream, toClient, toUpstream, _stopping.Token);
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The command hung up, the upstream broke, the head never came in time, or the command ended: either way
            // this connection is over, and there is nobody left to tell.
        }
        finally
        {
            upstream?.Dispose();
            client.Dispose();
        }
    }

    /// <summary>Where a request goes: CONNECT's authority, or an absolute http:// URL's host and port.</summary>
    private static (string Host, int Port, bool Tunnel)? Target(MessageHead request)
    {
        if (request.First == "CONNECT")
        {
            return EgressAllowlist.TrySplit(request.Second, out var host, out var port) && port is { } connectPort && host.Length > 0
                ? (host, connectPort, true)
                : null;
        }

        return Uri.TryCreate(request.Second, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttp && url.IdnHost.Length > 0
            ? (url.IdnHost.Trim('[', ']'), url.Port, false)
            : null;
    }

    /// <summary>The proxy to go through: the configured one, else the one Kiln's environment names for this target (if any).</summary>
    private Uri? UpstreamFor(string host, int port, bool tunnel)
    {
        if (_upstreamProxy is not null)
        {
            return _upstreamProxy;
        }

        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        var target = new Uri(string.Create(CultureInfo.InvariantCulture, $"{(tunnel ? "https" : "http")}://{authority}:{port}/"));
        var environment = HttpClient.DefaultProxy;
        if (environment.IsBypassed(target))
        {
            return null;
        }

        return environment.GetProxy(target) is { } proxy && proxy != target && proxy.Scheme == Uri.UriSchemeHttp ? proxy : null;
    }

    /// <summary>
    /// Connects to the target itself. A name resolving to this machine is refused unless the allowlist named this
    /// machine (<see cref="EgressAllowlist.Rule.NamesLoopback"/>): DNS must not turn an allowed name into Kiln's own port.
    /// </summary>
    private static async Task<(Socket? Socket, string? Failure)> ConnectDirectAsync(string host, int port, bool loopbackAllowed, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException exception)
        {
            return (null, $"its name does not resolve ({exception.SocketErrorCode})");
        }

        var usable = addresses.Where(address => loopbackAllowed || !EgressAllowlist.IsThisMachine(address)).ToList();
        if (usable.Count == 0)
        {
            return (null, "it resolves to this machine, which only an allowed host of 'localhost' or a loopback address may reach");
        }

        var failure = "no address answered";
        foreach (var address in usable)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, port, cancellationToken);
                return (socket, null);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                failure = $"{address}: {exception.SocketErrorCode}";
            }
            catch (OperationCanceledException)
            {
                socket.Dispose();
                throw;
            }
        }

        return (null, failure);
    }

    /// <summary>Connects through an HTTP proxy: a CONNECT of its own for a tunnel; for plain HTTP the proxy gets the request as it came.</summary>
    private static async Task<(Socket? Socket, string? Failure)> ConnectThroughAsync(Uri proxy, string host, int port, bool tunnel, CancellationToken cancellationToken)
    {
        var (socket, failure) = await ConnectDirectAsync(proxy.IdnHost.Trim('[', ']'), proxy.Port, loopbackAllowed: true, cancellationToken);
        if (socket is null || !tunnel)
        {
            return (socket, failure is null ? null : $"the upstream proxy {proxy.Authority} did not answer ({failure})");
        }

        var authority = string.Create(CultureInfo.InvariantCulture, $"{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}");
        var headers = new List<KeyValuePair<string, string>> { new("Host", authority) };
        if (Credentials(proxy) is { } credentials)
        {
            headers.Add(new("Proxy-Authorization", credentials));
        }

        var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(MessageHead.Format($"CONNECT {authority} HTTP/1.1", headers), cancellationToken);
        var answer = await MessageHead.ReadAsync(stream, cancellationToken);
        if (answer is { Second: [ '2', _, _ ], Rest.Length: 0 })
        {
            return (socket, null);
        }

        socket.Dispose();
        return (null, $"the upstream proxy {proxy.Authority} answered {(answer is null ? "nothing usable" : $"{answer.Second} {answer.Third}")}");
    }

    /// <summary>A plain-HTTP request as it goes on: origin-form to the host itself, absolute-form to a proxy, and closed after one answer.</summary>
    private static byte[] ForwardedHead(MessageHead request, Uri? proxy)
    {
        var url = new Uri(request.Second);
        var headers = request.Headers.Where(header => !HopByHop.Contains(header.Key, StringComparer.OrdinalIgnoreCase)).ToList();
        if (!headers.Any(header => header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)))
        {
            headers.Insert(0, new("Host", url.Authority));
        }

        // One request per connection: a client that reused it could otherwise send its next request, for any host, to
        // the host this one was allowed to reach.
        headers.Add(new("Connection", "close"));
        if (proxy is not null && Credentials(proxy) is { } credentials)
        {
            headers.Add(new("Proxy-Authorization", credentials));
        }

        var target = proxy is null ? url.PathAndQuery : url.AbsoluteUri;
        return MessageHead.Format($"{request.First} {target} {request.Third}", headers);
    }

    private static string? Credentials(Uri proxy) =>
        proxy.UserInfo.Length == 0 ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(proxy.UserInfo)));

    /// <summary>Copies both ways until both sides are done; a side that breaks, or the proxy stopping, ends the other.</summary>
    private static async Task RelayAsync(Socket client, Socket upstream, Stream toClient, Stream toUpstream, CancellationToken stopping)
    {
        using var registration = stopping.UnsafeRegister(static state =>
        {
            var (a, b) = ((Socket, Socket))state!;
            a.Dispose();
            b.Dispose();
        }, (client, upstream));
        await Task.WhenAll(CopyAsync(toClient, toUpstream, upstream, client), CopyAsync(toUpstream, toClient, client, upstream));
    }

    private static async Task CopyAsync(Stream from, Stream to, Socket toSocket, Socket fromSocket)
    {
        try
        {
            await from.CopyToAsync(to);
            // Half-close: the other side learns there is no more, and may still answer.
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            fromSocket.Dispose();
            toSocket.Dispose();
        }
    }

    private static async Task AnswerAsync(Stream stream, int status, string reason, string body, CancellationToken cancellationToken)
    {
        var content = Encoding.UTF8.GetBytes(body + "\n");
        var head = MessageHead.Format(
            string.Create(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {reason}"),
            [
                new("Content-Type", "text/plain; charset=utf-8"),
                new("Content-Length", content.Length.ToString(CultureInfo.InvariantCulture)),
                new("Connection", "close"),
            ]);
        await stream.WriteAsync(head, cancellationToken);
        await stream.WriteAsync(content, cancellationToken);
    }
}
