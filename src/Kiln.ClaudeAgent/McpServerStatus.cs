using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent;

/// <summary>An MCP server's state as the CLI reports it (in <see cref="InitMessage"/> and <see cref="ClaudeAgentClient.GetMcpStatusAsync"/>).</summary>
/// <param name="Name">The server's name.</param>
/// <param name="Status">How its connection stands.</param>
public sealed record McpServerStatus(string Name, McpConnectionStatus Status)
{
    /// <summary>Why it failed, when it did.</summary>
    public string? Error { get; init; }

    /// <summary>The server's own name and version, once connected.</summary>
    public string? ServerVersion { get; init; }

    /// <summary>The tools it offers, once connected (only <see cref="ClaudeAgentClient.GetMcpStatusAsync"/> lists them).</summary>
    public IReadOnlyList<McpToolInfo> Tools { get; init; } = [];

    internal static McpServerStatus From(JsonObject json) => new(json.Str("name") ?? "", new McpConnectionStatus(json.Str("status") ?? ""))
    {
        Error = json.Str("error"),
        ServerVersion = json.Obj("serverInfo") is { Count: > 0 } info ? $"{info.Str("name")} {info.Str("version")}".Trim() : null,
        Tools = [.. json.Objects("tools").Select(t => new McpToolInfo(t.Str("name") ?? "", t.Str("description")))],
    };
}

/// <summary>A tool of an MCP server, as the server names it (the model sees it as <c>mcp__{server}__{name}</c>).</summary>
/// <param name="Name">The tool's name on its server.</param>
/// <param name="Description">What it does.</param>
public sealed record McpToolInfo(string Name, string? Description);

/// <summary>How an MCP server's connection stands; a string underneath, so a state a newer CLI reports is kept as it is.</summary>
/// <param name="Value">The state as the CLI spells it.</param>
public readonly record struct McpConnectionStatus(string Value)
{
    /// <summary>Connected; its tools are offered.</summary>
    public static McpConnectionStatus Connected { get; } = new("connected");

    /// <summary>The connection failed; see <see cref="McpServerStatus.Error"/>.</summary>
    public static McpConnectionStatus Failed { get; } = new("failed");

    /// <summary>It needs the user to authenticate.</summary>
    public static McpConnectionStatus NeedsAuth { get; } = new("needs-auth");

    /// <summary>Still connecting.</summary>
    public static McpConnectionStatus Pending { get; } = new("pending");

    /// <summary>Switched off (<see cref="ClaudeAgentClient.ToggleMcpServerAsync"/>).</summary>
    public static McpConnectionStatus Disabled { get; } = new("disabled");

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}
