using System.IO.Pipelines;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kiln.Tools;

/// <summary>
/// A project's MCP tool server and a client connected to it through in-memory pipes: the built-in agent
/// loop calls tools exactly as an external MCP client would, with no network hop.
/// </summary>
public sealed class InProcessToolServer : IAsyncDisposable
{
    private readonly McpServer _server;
    private readonly McpClient _client;
    private readonly Task _serverRun;
    private readonly CancellationTokenSource _stopping;

    private InProcessToolServer(McpServer server, McpClient client, Task serverRun, CancellationTokenSource stopping, IList<Tool> tools)
    {
        _server = server;
        _client = client;
        _serverRun = serverRun;
        _stopping = stopping;
        Tools = [.. tools];
    }

    /// <summary>The tools as the model should see them: name, description and input schema.</summary>
    public IReadOnlyList<Tool> Tools { get; }

    public static async Task<InProcessToolServer> StartAsync(
        McpServerOptions options, IServiceProvider services, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var server = McpServer.Create(
            new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream(), ProjectToolset.ServerName, loggerFactory),
            options, loggerFactory, services);
        var stopping = new CancellationTokenSource();
        var serverRun = server.RunAsync(stopping.Token);
        var client = await McpClient.CreateAsync(
            new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream(), loggerFactory),
            new McpClientOptions { ClientInfo = new Implementation { Name = "kiln-agent", Version = "1.0" } },
            loggerFactory,
            cancellationToken);
        var tools = await client.ListToolsAsync(cancellationToken: cancellationToken);
        return new InProcessToolServer(server, client, serverRun, stopping, [.. tools.Select(tool => tool.ProtocolTool)]);
    }

    /// <summary>Calls a tool. A tool's failure comes back as a result with <c>IsError</c>, not as an exception.</summary>
    public Task<CallToolResult> CallAsync(string name, IReadOnlyDictionary<string, JsonElement> arguments, CancellationToken cancellationToken) =>
        _client.CallToolAsync(new CallToolRequestParams { Name = name, Arguments = arguments.ToDictionary() }, cancellationToken).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _stopping.CancelAsync();
        try
        {
            await _serverRun;
        }
        catch (OperationCanceledException)
        {
            // The server stops by cancellation; that is its normal end.
        }

        await _server.DisposeAsync();
        _stopping.Dispose();
    }
}
