using System.Net;
using System.Net.Sockets;
using System.Text;
using Kiln.Sandbox;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kiln.Tests.Sandbox;

/// <summary>
/// Kiln's egress proxy as a sandboxed install sees it through its Unix socket: tunnels and plain-HTTP requests to
/// allowed hosts, a 403 for everything else, and nothing of a refused request ever reaching the host it named.
/// </summary>
public sealed class EgressProxyTests : IAsyncDisposable
{
    private readonly string _directory = TempDirectory.Create("kiln-egress");
    private readonly TcpListener _service = new(IPAddress.Loopback, 0);
    private int _accepted;

    public EgressProxyTests() => _service.Start();

    private int ServicePort => ((IPEndPoint)_service.LocalEndpoint).Port;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        _service.Stop();
        _service.Dispose();
        await Task.Yield();
        TempDirectory.Delete(_directory);
    }

    [Theory]
    [InlineData("registry.npmjs.org", "registry.npmjs.org", 443, true)]
    [InlineData("registry.npmjs.org", "REGISTRY.npmjs.org.", 80, true)]
    [InlineData("registry.npmjs.org", "registry.npmjs.org", 8443, false)]
    [InlineData("registry.npmjs.org", "evil.registry.npmjs.org", 443, false)]
    [InlineData("registry.npmjs.org", "registry.npmjs.org.evil.com", 443, false)]
    [InlineData("npm.internal:4873", "npm.internal", 4873, true)]
    [InlineData("npm.internal:4873", "npm.internal", 443, false)]
    [InlineData("*.example.com", "cdn.example.com", 443, true)]
    [InlineData("*.example.com", "example.com", 443, false)]
    [InlineData("*.example.com", "cdn.example.com.evil.org", 443, false)]
    [InlineData("127.0.0.1:4873", "127.0.0.1", 4873, true)]
    [InlineData("127.0.0.1:4873", "127.0.0.1", 5300, false)]
    [InlineData("127.0.0.1:4873", "localhost", 4873, false)]
    [InlineData("[::1]:4873", "::1", 4873, true)]
    public void The_allowlist_matches_hosts_and_ports_exactly(string entry, string host, int port, bool allowed)
    {
        var allowlist = EgressAllowlist.Parse([entry]);

        Assert.Equal(allowed, allowlist.Match(host, port) is not null);
    }

    [Theory]
    [InlineData("localhost:4873", "localhost", true)]
    [InlineData("127.0.0.1:4873", "127.0.0.1", true)]
    [InlineData("[::1]:4873", "::1", true)]
    [InlineData("registry.npmjs.org:4873", "registry.npmjs.org", false)]
    [InlineData("*.localhost:4873", "kiln.localhost", false)]
    public void Only_an_entry_naming_this_machine_may_reach_loopback(string entry, string host, bool namesLoopback)
    {
        var rule = EgressAllowlist.Parse([entry]).Match(host, 4873);

        Assert.NotNull(rule);
        Assert.Equal(namesLoopback, rule.Value.NamesLoopback);
    }

    [Fact]
    public async Task A_tunnel_to_an_allowed_host_carries_bytes_both_ways()
    {
        await using var proxy = Proxy($"127.0.0.1:{ServicePort}");
        var echo = EchoOnceAsync();

        using var client = await ConnectAsync();
        var answer = await SendHeadAsync(client, $"CONNECT 127.0.0.1:{ServicePort} HTTP/1.1\r\nHost: 127.0.0.1:{ServicePort}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);

        await client.SendAsync("ping"u8.ToArray(), Ct);
        Assert.Equal("echo:ping", await ReadAllAsync(client));
        await echo;
        Assert.Equal(1, _accepted);
    }

    [Theory]
    [InlineData("CONNECT {0}:{1} HTTP/1.1\r\nHost: {0}:{1}\r\n\r\n")]
    [InlineData("GET http://{0}:{1}/api/projects HTTP/1.1\r\nHost: {0}:{1}\r\n\r\n")]
    public async Task A_host_not_allowed_is_refused_and_never_contacted(string request)
    {
        // Allowed: the service's address on another port. Asked: the service itself, as Kiln's API would be.
        await using var proxy = Proxy($"127.0.0.1:{(ServicePort == 65535 ? 1 : ServicePort + 1)}");

        using var client = await ConnectAsync();
        var answer = await SendHeadAsync(client, string.Format(System.Globalization.CultureInfo.InvariantCulture, request, "127.0.0.1", ServicePort));

        Assert.StartsWith("HTTP/1.1 403", answer, StringComparison.Ordinal);
        Assert.Contains("does not allow connections to 127.0.0.1:" + ServicePort, answer, StringComparison.Ordinal);
        Assert.False(_service.Pending());
        Assert.Equal(0, _accepted);
    }

    [Fact]
    public async Task An_allowed_name_that_resolves_to_this_machine_is_refused()
    {
        // "localhost" resolves to loopback; allowed as "*.localhost" it must not become a way to reach Kiln.
        await using var proxy = Proxy("*.localhost:" + ServicePort);

        using var client = await ConnectAsync();
        var answer = await SendHeadAsync(client, $"CONNECT kiln.localhost:{ServicePort} HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 502", answer, StringComparison.Ordinal);
        Assert.False(_service.Pending());
    }

    [Fact]
    public async Task A_plain_http_request_goes_on_in_origin_form_and_is_closed_after_one_answer()
    {
        await using var proxy = Proxy($"127.0.0.1:{ServicePort}");
        var received = AnswerOnceAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes(
            $"GET http://127.0.0.1:{ServicePort}/kiln-left-pad HTTP/1.1\r\nHost: 127.0.0.1:{ServicePort}\r\nProxy-Connection: keep-alive\r\nAccept: */*\r\n\r\n"), Ct);

        Assert.EndsWith("\r\n\r\nok", await ReadAllAsync(client), StringComparison.Ordinal);
        var head = await received;
        Assert.StartsWith("GET /kiln-left-pad HTTP/1.1\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nAccept: */*\r\n", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Proxy-Connection", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tunnels_go_through_the_upstream_proxy_the_host_uses()
    {
        // The service plays the host's own proxy (as on a machine behind a corporate one).
        await using var proxy = Proxy("registry.example.test", upstream: new Uri($"http://user:secret@127.0.0.1:{ServicePort}"));
        var upstream = AnswerOnceAsync("HTTP/1.1 200 Connection established\r\n\r\n");

        using var client = await ConnectAsync();
        var answer = await SendHeadAsync(client, "CONNECT registry.example.test:443 HTTP/1.1\r\nHost: registry.example.test:443\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        var head = await upstream;
        Assert.StartsWith("CONNECT registry.example.test:443 HTTP/1.1\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Authorization: Basic " + Convert.ToBase64String("user:secret"u8.ToArray()), head, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET /api/projects HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")]
    [InlineData("GET https://registry.npmjs.org/ HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT registry.npmjs.org HTTP/1.1\r\n\r\n")]
    [InlineData("garbage\r\n\r\n")]
    public async Task Anything_but_connect_or_absolute_http_is_a_bad_request(string request)
    {
        await using var proxy = Proxy("registry.npmjs.org");

        using var client = await ConnectAsync();

        Assert.StartsWith("HTTP/1.1 400", await SendHeadAsync(client, request), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_the_proxy_ends_its_open_tunnels()
    {
        var proxy = Proxy($"127.0.0.1:{ServicePort}");
        var held = _service.AcceptSocketAsync(Ct).AsTask();
        using var client = await ConnectAsync();
        Assert.StartsWith("HTTP/1.1 200", await SendHeadAsync(client, $"CONNECT 127.0.0.1:{ServicePort} HTTP/1.1\r\n\r\n"), StringComparison.Ordinal);
        using var upstream = await held;

        await proxy.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal("", await ReadAllAsync(client));
        Assert.False(CanConnect());
    }

    private EgressProxy Proxy(string allowed, Uri? upstream = null) =>
        new(Path.Combine(_directory, "egress.sock"), EgressAllowlist.Parse([allowed]), upstream, NullLogger.Instance);

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(_directory, "egress.sock")), Ct);
        return socket;
    }

    private bool CanConnect()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(Path.Combine(_directory, "egress.sock")));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Sends a request head and reads the answer's head (and body, for a refusal, which closes).</summary>
    private static async Task<string> SendHeadAsync(Socket client, string head)
    {
        await client.SendAsync(Encoding.ASCII.GetBytes(head), Ct);
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await client.ReceiveAsync(buffer, Ct);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        if (!text.ToString().StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
        {
            text.Append(await ReadAllAsync(client));
        }

        return text.ToString();
    }

    private static async Task<string> ReadAllAsync(Socket socket)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        int read;
        while ((read = await socket.ReceiveAsync(buffer, Ct)) > 0)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    /// <summary>Accepts one connection, answers what it sends with "echo:" in front, and closes.</summary>
    private async Task EchoOnceAsync()
    {
        using var socket = await _service.AcceptSocketAsync(Ct);
        Interlocked.Increment(ref _accepted);
        var buffer = new byte[4096];
        var read = await socket.ReceiveAsync(buffer, Ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes("echo:" + Encoding.ASCII.GetString(buffer, 0, read)), Ct);
        socket.Shutdown(SocketShutdown.Both);
    }

    /// <summary>Accepts one connection, reads its head, sends <paramref name="answer"/>, closes, and returns the head.</summary>
    private async Task<string> AnswerOnceAsync(string answer)
    {
        using var socket = await _service.AcceptSocketAsync(Ct);
        Interlocked.Increment(ref _accepted);
        var buffer = new byte[8192];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, Ct);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(answer), Ct);
        socket.Shutdown(SocketShutdown.Send);
        return text.ToString();
    }
}
