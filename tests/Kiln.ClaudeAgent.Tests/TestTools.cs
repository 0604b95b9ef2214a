using System.ComponentModel;
using ModelContextProtocol.Server;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>The tools the tests' in-process MCP server offers the agent.</summary>
[McpServerToolType]
public sealed class TestTools
{
    /// <summary>Echoes its input, marked so a test can tell the tool really ran.</summary>
    [McpServerTool(Name = "echo"), Description("Echoes the text back.")]
    public static string Echo([Description("The text to echo.")] string text) => $"echo: {text}";

    /// <summary>A second tool, so a test can take one away and see the other stay.</summary>
    [McpServerTool(Name = "shout"), Description("Echoes the text back in capitals.")]
    public static string Shout([Description("The text to shout.")] string text) => $"shout: {text.ToUpperInvariant()}";
}
