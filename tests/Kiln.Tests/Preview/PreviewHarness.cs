using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kiln.Tests.Preview;

/// <summary>
/// Kiln with projects to preview, reached the way a browser and an agent reach it: preview origins
/// (<c>p-{id}.localhost:{port}</c>, connected to Kiln's loopback port whatever the name resolves to), the MCP
/// endpoint for tools, and the event WebSocket.
/// </summary>
public sealed class PreviewHarness : IAsyncDisposable
{
    private readonly Dictionary<string, McpClient> _mcp = [];

    private PreviewHarness(KilnApp kiln, string? token)
    {
        Kiln = kiln;
        Token = token;
        Browser = new HttpClient(LoopbackHandler(), disposeHandler: true) { Timeout = TimeSpan.FromSeconds(90) };
    }

    public KilnApp Kiln { get; }

    public string? Token { get; }

    /// <summary>A client for preview origins: every connection goes to Kiln's port on 127.0.0.1.</summary>
    public HttpClient Browser { get; }

    public int Port => Kiln.BaseAddress.Port;

    public static PreviewHarness Start(IReadOnlyDictionary<string, string?>? settings = null, string? token = null, string? projectsRoot = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (token is not null)
        {
            all["Kiln:Auth:Token"] = token;
        }

        return new PreviewHarness(KilnApp.Start(all, projectsRoot), token);
    }

    public Uri UrlFor(string projectId) => new(string.Create(CultureInfo.InvariantCulture, $"http://p-{projectId}.localhost:{Port}/"));

    public string AppDirectory(string projectId) => Kiln.Services.GetRequiredService<ProjectWorkspace>().AppDirectory(projectId);

    /// <summary>A ready project with an empty app, as if a generation had just made its directory.</summary>
    public Task<string> CreateProjectAsync() => Kiln.CreateReadyProjectAsync("made for a preview test");

    /// <summary>
    /// A project whose dev script is a small Node server that answers every request with what it received
    /// (path, headers) as JSON: the smallest real dev server, which starts in well under a second.
    /// </summary>
    public async Task<string> CreateEchoProjectAsync()
    {
        var projectId = await CreateProjectAsync();
        var app = AppDirectory(projectId);
        await File.WriteAllTextAsync(Path.Combine(app, "package.json"), """{ "name": "echo", "private": true, "scripts": { "dev": "node server.mjs" } }""");
        await File.WriteAllTextAsync(Path.Combine(app, "server.mjs"), """
            import http from "node:http";
            const port = Number(process.env.PORT);
            http.createServer((request, response) => {
              response.setHeader("content-type", "application/json");
              response.end(JSON.stringify({ server: "echo", url: request.url, headers: request.headers }));
            }).listen(port, process.env.HOST, () => console.log(`echo listening on ${process.env.HOST}:${port}`));
            """);
        // Installed, with nothing to install.
        Directory.CreateDirectory(Path.Combine(app, "node_modules"));
        return projectId;
    }

    public async Task<HttpResponseMessage> GetAsync(string projectId, string path = "/", bool pageLoad = false, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(UrlFor(projectId), path));
        if (pageLoad)
        {
            request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        }

        configure?.Invoke(request);
        return await Browser.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>What the echo server saw of a request made through the preview origin.</summary>
    public async Task<JsonElement> EchoAsync(string projectId, string path = "/", Action<HttpRequestMessage>? configure = null)
    {
        using var response = await GetAsync(projectId, path, configure: configure);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {body}");
        var echo = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal("echo", echo.GetProperty("server").GetString());
        return echo;
    }

    /// <summary>Opens a WebSocket to the preview origin, through Kiln.</summary>
    public async Task<ClientWebSocket> ConnectWebSocketAsync(string projectId, string pathAndQuery, string? subProtocol = null)
    {
        var socket = new ClientWebSocket();
        if (subProtocol is not null)
        {
            socket.Options.AddSubProtocol(subProtocol);
        }

        var uri = new UriBuilder(new Uri(UrlFor(projectId), pathAndQuery)) { Scheme = "ws" }.Uri;
        using var invoker = new HttpMessageInvoker(LoopbackHandler());
        await socket.ConnectAsync(uri, invoker, TestContext.Current.CancellationToken);
        return socket;
    }

    /// <summary>Calls a tool of the project over Kiln's MCP endpoint, as an external agent would.</summary>
    public async Task<(bool IsError, string Text)> CallToolAsync(string projectId, string tool, Dictionary<string, object?>? arguments = null)
    {
        if (!_mcp.TryGetValue(projectId, out var client))
        {
            client = await Kiln.ConnectMcpAsync(projectId, Token);
            _mcp[projectId] = client;
        }

        var result = await client.CallToolAsync(tool, arguments ?? [], cancellationToken: TestContext.Current.CancellationToken);
        return (result.IsError == true, string.Join('\n', result.Content.OfType<TextContentBlock>().Select(block => block.Text)));
    }

    /// <summary>Calls start_dev_server and asserts it worked.</summary>
    public async Task<string> StartDevServerAsync(string projectId)
    {
        var (isError, text) = await CallToolAsync(projectId, "start_dev_server");
        Assert.False(isError, text);
        return text;
    }

    /// <summary>The seq of the project's latest event, so a test can read only what happens next.</summary>
    public async Task<long> LastSeqAsync(string projectId)
    {
        long last = 0;
        await foreach (var stored in Kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, TestContext.Current.CancellationToken))
        {
            last = stored.Seq;
        }

        return last;
    }

    /// <summary>Events after <paramref name="after"/> until one of <paramref name="types"/>, read over the event WebSocket.</summary>
    public async Task<List<JsonElement>> EventsUntilAsync(string projectId, long after, TimeSpan timeout, params string[] types)
    {
        await using var events = Kiln.Events(projectId, after, Token);
        return await events.ReadUntilAsync(timeout, types);
    }

    /// <summary>Live processes (not zombies, not bwrap itself) whose working directory is inside <paramref name="directory"/>.</summary>
    public static List<int> ProcessesIn(string directory)
    {
        var pids = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            var cwd = ProcessTable.WorkingDirectory(pid);
            if ((cwd == directory || cwd.StartsWith(directory + "/", StringComparison.Ordinal)) && Sandbox.Sandboxes.IsAlive(pid) && Comm(pid) != "bwrap")
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>The one node process running Vite in <paramref name="directory"/>: not the sandbox's network bridge in front of it, whose command line names Vite too.</summary>
    public static int ViteProcessIn(string directory) =>
        Assert.Single(ProcessesIn(directory), pid =>
            Comm(pid) == "node" && ProcessTable.CommandLine(pid) is var commandLine &&
            commandLine.Contains("vite", StringComparison.Ordinal) &&
            !commandLine.Contains(global::Kiln.Sandbox.SandboxNetwork.BridgeScript, StringComparison.Ordinal));

    public static string Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Waits until no process works in <paramref name="directory"/>; returns the ones still there after the timeout.</summary>
    public static async Task<List<int>> WaitUntilNoProcessesInAsync(string directory, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<int> left;
        while ((left = ProcessesIn(directory)).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return left;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _mcp.Values)
        {
            await client.DisposeAsync();
        }

        Browser.Dispose();
        await Kiln.DisposeAsync();
    }

    /// <summary>Connects every name (p-{id}.localhost included) to Kiln's own loopback port, as a browser's *.localhost rule does.</summary>
    private SocketsHttpHandler LoopbackHandler()
    {
        var port = Port;
        return new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}
