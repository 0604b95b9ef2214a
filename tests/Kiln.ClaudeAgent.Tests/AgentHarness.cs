using System.Collections.Concurrent;
using Kiln.Testing;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>
/// One CLI test's world: the real Claude Code CLI, a scripted model it talks to, and a throwaway
/// home, with options that switch the CLI's built-in tools off and serve <see cref="TestTools"/>
/// as the in-process server <c>kiln</c>.
/// </summary>
internal sealed class AgentHarness : IAsyncDisposable
{
    private AgentHarness(ScriptedModelServer model, ClaudeCliHome home, string cliPath)
    {
        Model = model;
        Home = home;
        Options = new ClaudeAgentOptions
        {
            CliPath = cliPath,
            Environment = home.EnvironmentFor(model),
            InheritEnvironment = false,
            WorkingDirectory = home.WorkingDirectory,
            Model = "claude-sonnet-4-5",
            BuiltInTools = [],
            StrictMcpConfig = true,
            McpServers = new Dictionary<string, McpServerConfig> { ["kiln"] = SdkMcpServer.FromType<TestTools>() },
            Stderr = Stderr.Enqueue,
        };
    }

    public ScriptedModelServer Model { get; }

    public ClaudeCliHome Home { get; }

    public ConcurrentQueue<string> Stderr { get; } = new();

    /// <summary>Options for a session in this world; tests refine them with <c>with</c>.</summary>
    public ClaudeAgentOptions Options { get; }

    public static async Task<AgentHarness> StartAsync(CancellationToken cancellationToken)
    {
        var cliPath = Requires.ClaudeCli();
        var model = await ScriptedModelServer.StartAsync(cancellationToken: cancellationToken);
        return new AgentHarness(model, new ClaudeCliHome(), cliPath);
    }

    public async ValueTask DisposeAsync()
    {
        await Model.DisposeAsync();
        Home.Dispose();
    }
}
