using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kiln.Sandbox;
using Kiln.Testing;
using Kiln.Tests.Preview;
using Kiln.Tests.Tools;

namespace Kiln.Tests.Sandbox;

/// <summary>
/// Code a hostile app runs inside the sandbox, the way the agent would run it (write_file, then run_command
/// <c>node probe.cjs</c>), against a real Kiln on loopback: it tries Kiln's API (listing and deleting another project),
/// a service on loopback, another project's dev server, its socket, and hosts outside. Everything fails and nothing is
/// lost, while installs still reach the registry through Kiln's egress proxy, and only the registry.
/// </summary>
public sealed partial class NetworkEscapeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_command_has_no_network_but_its_own_loopback()
    {
        await using var runner = Sandboxes.Runner();
        await runner.RequireBubblewrapAsync();
        using var workspace = new AppWorkspace();

        var status = await runner.GetStatusAsync(Ct);
        var result = await runner.RunAsync(Sandboxes.Spec(workspace, "cat", "/proc/net/dev"), null, Ct);

        Assert.True(status.NetworkIsolated, status.Description);
        Assert.Contains("network namespace of their own", status.Description, StringComparison.Ordinal);
        Assert.Equal(0, result.ExitCode);
        var interfaces = result.Output.Split('\n').Where(line => line.Contains(':', StringComparison.Ordinal)).Select(line => line.Split(':')[0].Trim());
        Assert.Equal(["lo"], interfaces);
    }

    [Fact]
    public async Task Without_bubblewrap_the_start_up_line_says_commands_share_the_network()
    {
        await using var runner = Sandboxes.Runner(SandboxMode.None);

        var status = await runner.GetStatusAsync(Ct);

        Assert.False(status.NetworkIsolated);
        Assert.Contains("without filesystem, pid or network isolation", status.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dev_servers_socket_lives_as_long_as_it_and_a_killed_kilns_are_removed_by_the_next()
    {
        var leftover = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"kiln-net-{int.MaxValue - 1}-left")).FullName;
        File.WriteAllText(Path.Combine(leftover, "exposed.sock"), "");
        await using var runner = Sandboxes.Runner();
        await runner.RequireBubblewrapAsync();
        using var workspace = new AppWorkspace();

        await using var process = await runner.StartAsync(Sandboxes.Spec(workspace, "sleep", "30") with { ExposedPort = 4000 }, Ct);

        var socket = Assert.IsType<string>(process.ExposedSocket);
        Assert.False(Directory.Exists(leftover));
        await process.StopAsync(Ct);
        Assert.False(Directory.Exists(Path.GetDirectoryName(socket)));
    }

    [Fact]
    [Slow]
    public async Task Code_in_the_sandbox_reaches_neither_Kiln_nor_loopback_nor_other_projects_nor_the_internet()
    {
        Requires.Pnpm();
        await using var preview = PreviewHarness.Start();
        await preview.Kiln.Services.RequireBubblewrapAsync();
        using var service = new LoopbackService();

        // The victim: a project whose dev server runs, reached by its preview, and (from the host) by its socket.
        var victim = await preview.CreateEchoProjectAsync();
        var started = await preview.StartDevServerAsync(victim);
        var devServerPort = int.Parse(PortOf().Match(started).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var victimFiles = Directory.GetFiles(preview.AppDirectory(victim), "*", SearchOption.AllDirectories).Length;
        var registry = (await Dns.GetHostAddressesAsync("registry.npmjs.org", Ct)).FirstOrDefault()?.ToString();

        List<Attempt> attempts =
        [
            Attempt.Http("Kiln's API", "127.0.0.1", preview.Port, "GET", "/api/projects"),
            Attempt.Http("deleting another project", "127.0.0.1", preview.Port, "DELETE", $"/api/projects/{victim}"),
            Attempt.Http("Kiln's API by name", "localhost", preview.Port, "GET", "/api/projects"),
            Attempt.Http("another project's preview", "127.0.0.1", preview.Port, "GET", "/", $"p-{victim}.localhost:{preview.Port}"),
            Attempt.Tcp("a service on loopback", "127.0.0.1", service.Port),
            Attempt.Http("another project's dev server", "127.0.0.1", devServerPort, "GET", "/"),
            Attempt.Http("an egress proxy port", "127.0.0.1", SandboxNetwork.EgressPort, "GET", "http://registry.npmjs.org/"),
            Attempt.Tcp("the registry by name", "registry.npmjs.org", 443),
            Attempt.Tcp("a host on the internet", "example.com", 80),
            .. registry is null ? [] : new[] { Attempt.Tcp("the registry by address", registry, 443) },
            .. OtherDevServerSockets().Select((socket, i) => Attempt.UnixSocket($"a dev server's socket #{i}", socket)),
        ];

        var results = await ProbeAsync(preview, await preview.CreateProjectAsync(), attempts);

        Assert.Equal(attempts.Select(a => a.Name), results.Keys);
        Assert.All(results, result => Assert.True(result.Value.StartsWith("failed", StringComparison.Ordinal), $"{result.Key}: {result.Value}"));
        Assert.Equal(0, service.Accepted);
        using var client = preview.Kiln.Client();
        using var stillThere = await client.GetAsync($"/api/projects/{victim}", Ct);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        Assert.Equal(victimFiles, Directory.GetFiles(preview.AppDirectory(victim), "*", SearchOption.AllDirectories).Length);
        Assert.Equal("/still-serving", (await preview.EchoAsync(victim, "/still-serving")).GetProperty("url").GetString());
    }

    [Fact]
    [Slow]
    public async Task Without_a_network_namespace_the_same_probe_reaches_a_loopback_service()
    {
        // The probe is able: what stops it above is the namespace, not a broken probe.
        await using var preview = PreviewHarness.Start(new Dictionary<string, string?> { ["Kiln:Sandbox:Mode"] = "none" });
        using var service = new LoopbackService();

        var results = await ProbeAsync(preview, await preview.CreateProjectAsync(), [Attempt.Tcp("a service on loopback", "127.0.0.1", service.Port)]);

        Assert.Equal("reached", results["a service on loopback"]);
    }

    [Fact]
    [Slow]
    public async Task An_install_reaches_the_registry_through_the_egress_proxy_and_nothing_else()
    {
        await using var tools = await ToolHarness.StartAsync();
        await tools.Services.RequireBubblewrapAsync();
        Requires.Pnpm();
        await Requires.NpmRegistryAsync();
        using var service = new LoopbackService();

        tools.Write("package.json", """{ "name": "app", "version": "1.0.0" }""");
        var (isError, text) = await tools.CallAsync("install_dependencies", new { packages = new[] { "is-number@7.0.0" } });

        Assert.False(isError, text);
        Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "node_modules", "is-number", "package.json")), text);

        // A dependency elsewhere than the registry, on loopback or on the internet, is refused at the proxy.
        foreach (var (url, target) in new[] { ($"http://127.0.0.1:{service.Port}/evil.tgz", $"127.0.0.1:{service.Port}"), ("https://example.com/evil.tgz", "example.com:443") })
        {
            tools.Write("package.json", $$"""{ "name": "app", "version": "1.0.0", "dependencies": { "evil": "{{url}}" } }""");
            (isError, text) = await tools.CallAsync("install_dependencies", new { });

            Assert.True(isError, text);
            Assert.Contains(tools.Log.Entries, entry => entry.Message.Contains($"connection to {target}: not an allowed host", StringComparison.Ordinal));
        }

        Assert.Equal(0, service.Accepted);
        tools.AssertOutsideUntouched();
    }

    /// <summary>Writes the probe with write_file and runs it with run_command; each attempt's outcome by name.</summary>
    private static async Task<Dictionary<string, string>> ProbeAsync(PreviewHarness preview, string attacker, IReadOnlyList<Attempt> attempts)
    {
        var script = ProbeScript.Replace("__ATTEMPTS__", JsonSerializer.Serialize(attempts, JsonSerializerOptions.Web), StringComparison.Ordinal);
        var (writeError, written) = await preview.CallToolAsync(attacker, "write_file", new() { ["path"] = "probe.cjs", ["content"] = script });
        Assert.False(writeError, written);

        var (_, output) = await preview.CallToolAsync(attacker, "run_command", new() { ["command"] = "node probe.cjs", ["timeout_seconds"] = 60 });

        var results = ResultLine().Matches(output)
            .Select(match => JsonDocument.Parse(match.Value).RootElement)
            .ToDictionary(result => result.GetProperty("name").GetString()!, result => result.GetProperty("outcome").GetString()!);
        Assert.True(results.Count == attempts.Count, $"The probe reported {results.Count} of {attempts.Count} attempts:\n{output}");
        return results;
    }

    /// <summary>The Unix sockets of dev servers on this machine (in Kiln's private directories under the system temp directory).</summary>
    private static IEnumerable<string> OtherDevServerSockets() =>
        Directory.EnumerateDirectories(Path.GetTempPath(), "kiln-net-*")
            .SelectMany(root => Directory.EnumerateFiles(root, "exposed.sock", SearchOption.AllDirectories))
            .Take(3);

    [GeneratedRegex(@"port (\d+)")]
    private static partial Regex PortOf();

    [GeneratedRegex("""\{"name":[^\n]*\}""")]
    private static partial Regex ResultLine();

    /// <summary>One thing the probe tries: an HTTP request, a TCP connection, or a Unix socket connection.</summary>
    private sealed record Attempt(string Name, string Kind, string? Host = null, int Port = 0, string? Method = null, string? Path = null, string? HostHeader = null, string? Socket = null)
    {
        public static Attempt Http(string name, string host, int port, string method, string path, string? hostHeader = null) =>
            new(name, "http", host, port, method, path, hostHeader);

        public static Attempt Tcp(string name, string host, int port) => new(name, "tcp", host, port);

        public static Attempt UnixSocket(string name, string socket) => new(name, "unix", Socket: socket);
    }

    /// <summary>A service on loopback that counts every connection it gets, as a database or another Kiln would.</summary>
    private sealed class LoopbackService : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _accepting;
        private int _accepted;

        public LoopbackService()
        {
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        public void Dispose()
        {
            _listener.Stop();
            _listener.Dispose();
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var socket = await _listener.AcceptSocketAsync();
                    Interlocked.Increment(ref _accepted);
                }
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }

    /// <summary>What the hostile app runs: every attempt at once, each reported as one JSON line, "reached" or "failed: why".</summary>
    private const string ProbeScript = """
        'use strict';
        const net = require('node:net');
        const http = require('node:http');
        const attempts = __ATTEMPTS__;
        const limit = 5000;

        function tcp(options) {
          return new Promise((resolve, reject) => {
            const socket = net.connect(options);
            socket.setTimeout(limit, () => socket.destroy(new Error('timed out')));
            socket.on('connect', () => { socket.destroy(); resolve(); });
            socket.on('error', reject);
          });
        }

        function request(attempt) {
          return new Promise((resolve, reject) => {
            const headers = attempt.hostHeader ? { host: attempt.hostHeader } : {};
            const sent = http.request({ host: attempt.host, port: attempt.port, method: attempt.method, path: attempt.path, headers, timeout: limit }, response => {
              response.resume();
              resolve();
            });
            sent.on('timeout', () => sent.destroy(new Error('timed out')));
            sent.on('error', reject);
            sent.end();
          });
        }

        function attempt(a) {
          switch (a.kind) {
            case 'http': return request(a);
            case 'tcp': return tcp({ host: a.host, port: a.port });
            default: return tcp({ path: a.socket });
          }
        }

        Promise.all(attempts.map(a => attempt(a).then(
          () => ({ name: a.name, outcome: 'reached' }),
          error => ({ name: a.name, outcome: `failed: ${error.code || error.message}` }))))
          .then(results => { for (const result of results) console.log(JSON.stringify(result)); });
        """;
}
