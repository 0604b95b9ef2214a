using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kiln.ClaudeAgent;

/// <summary>An MCP server the agent may use; the key it is registered under in <see cref="ClaudeAgentOptions.McpServers"/> is its name.</summary>
public abstract record McpServerConfig
{
    // The CLI's --mcp-config entry; SDK servers are announced in initialize instead and have none.
    internal abstract JsonObject? ToCliConfig();
}

/// <summary>An MCP server the CLI starts as a child process and talks to over stdio.</summary>
/// <param name="Command">The program to run.</param>
/// <param name="Args">Its arguments.</param>
/// <param name="Env">Its environment variables.</param>
public sealed record McpStdioServer(string Command, IReadOnlyList<string>? Args = null, IReadOnlyDictionary<string, string>? Env = null)
    : McpServerConfig
{
    internal override JsonObject ToCliConfig()
    {
        var config = new JsonObject { ["type"] = "stdio", ["command"] = Command };
        if (Args is { Count: > 0 })
        {
            config["args"] = new JsonArray([.. Args.Select(a => JsonValue.Create(a))]);
        }
        if (Env is { Count: > 0 })
        {
            config["env"] = new JsonObject(Env.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)JsonValue.Create(e.Value))));
        }
        return config;
    }
}

/// <summary>An MCP server the CLI reaches over Streamable HTTP (<paramref name="Type"/> <c>http</c>) or SSE (<c>sse</c>).</summary>
/// <param name="Url">The server's endpoint.</param>
/// <param name="Headers">Headers sent with every request, e.g. an authorization token.</param>
/// <param name="Type"><c>http</c> or <c>sse</c>.</param>
public sealed record McpHttpServer(Uri Url, IReadOnlyDictionary<string, string>? Headers = null, string Type = "http")
    : McpServerConfig
{
    internal override JsonObject ToCliConfig()
    {
        var config = new JsonObject { ["type"] = Type, ["url"] = Url.ToString() };
        if (Headers is { Count: > 0 })
        {
            config["headers"] = new JsonObject(Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)JsonValue.Create(h.Value))));
        }
        return config;
    }
}

/// <summary>
/// An MCP server hosted in this process: a real ModelContextProtocol <see cref="McpServer"/> whose
/// JSON-RPC traffic travels over the CLI's control protocol (<c>mcp_message</c>), so its tools run
/// with no network hop and no extra process. The TypeScript SDK's <c>createSdkMcpServer</c>.
/// </summary>
/// <param name="Options">The server's options: its tools (and prompts, resources) and server info.</param>
/// <param name="Services">Resolves tool dependencies (constructor parameters, <see cref="IServiceProvider"/>-typed tool parameters).</param>
public sealed record SdkMcpServer(McpServerOptions Options, IServiceProvider? Services = null) : McpServerConfig
{
    /// <summary>A server offering <paramref name="tools"/>, e.g. made with <see cref="McpServerTool.Create(Delegate, McpServerToolCreateOptions?)"/>.</summary>
    public static SdkMcpServer FromTools(IEnumerable<McpServerTool> tools, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var collection = new McpServerPrimitiveCollection<McpServerTool>();
        foreach (var tool in tools)
        {
            collection.Add(tool);
        }
        return new SdkMcpServer(new McpServerOptions { ToolCollection = collection }, services);
    }

    /// <summary>
    /// A server offering every <c>[McpServerTool]</c> method of <typeparamref name="TTools"/>. Instance
    /// methods run on a fresh instance per call, constructed from <paramref name="services"/> (as the
    /// SDK's <c>WithTools&lt;T&gt;()</c> does), or with its parameterless constructor when there are none.
    /// </summary>
    public static SdkMcpServer FromType<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(
        System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.All)] TTools>(IServiceProvider? services = null)
        where TTools : class
    {
        var tools = typeof(TTools)
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance)
            .Where(m => m.GetCustomAttribute<McpServerToolAttribute>() is not null)
            .Select(m => m.IsStatic
                ? McpServerTool.Create(m, target: null, new McpServerToolCreateOptions { Services = services })
                : McpServerTool.Create(m, r => r.Services is { } s
                    ? ActivatorUtilities.CreateInstance<TTools>(s)
                    : Activator.CreateInstance<TTools>(), new McpServerToolCreateOptions { Services = services }))
            .ToList();
        if (tools.Count == 0)
        {
            throw new ArgumentException($"{typeof(TTools).Name} has no [McpServerTool] methods.", nameof(TTools));
        }
        return FromTools(tools, services);
    }

    internal override JsonObject? ToCliConfig() => null;

    internal McpServerOptions OptionsFor(string name)
    {
        // The server is named after its key unless the caller named it, so the CLI's view and ours agree.
        Options.ServerInfo ??= new Implementation { Name = name, Version = "1.0.0" };
        return Options;
    }
}
