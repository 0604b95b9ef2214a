using System.Text.Json.Nodes;
using Kiln.Testing;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>The control requests a host sends the CLI mid-session, against the real CLI and a scripted model.</summary>
[Slow]
public sealed class ControlRequestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Initialize_reports_the_cli_version_commands_models_and_account()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);

        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);

        var result = client.InitializeResult;
        Assert.True(result.ParsedCliVersion >= ClaudeAgentOptions.DefaultMinimumCliVersion, result.CliVersion);
        Assert.NotEmpty(result.Commands);
        Assert.All(result.Commands, c => Assert.False(string.IsNullOrEmpty(c.Name)));
        Assert.Contains(result.Models, m => m.Value == "default" && m.DisplayName.Length > 0);
        Assert.Equal("ANTHROPIC_API_KEY", result.Account.ApiKeySource);
        Assert.Contains(result.Agents, a => a.Name == "general-purpose");
        Assert.Equal(result.CliVersion, result.Raw["claude_code_version"]!.GetValue<string>());
    }

    [Fact]
    public async Task Mcp_status_lists_the_in_process_server_and_its_tools()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);
        // The CLI connects its MCP servers when the first turn starts.
        await TurnAsync(client, "Hello.");

        var servers = await client.GetMcpStatusAsync(Ct);

        var kiln = Assert.Single(servers, s => s.Name == "kiln");
        Assert.Equal(McpConnectionStatus.Connected, kiln.Status);
        Assert.Equal(["echo", "shout"], kiln.Tools.Select(t => t.Name).Order());
    }

    [Fact]
    public async Task A_server_toggled_off_takes_its_tools_away_until_it_is_toggled_on()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("One."), ScriptedReply.Text("Two."), ScriptedReply.Text("Three."));
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);

        await TurnAsync(client, "First.");
        await client.ToggleMcpServerAsync("kiln", enabled: false, Ct);
        var off = Assert.Single(await client.GetMcpStatusAsync(Ct), s => s.Name == "kiln");
        await TurnAsync(client, "Second.");
        await client.ToggleMcpServerAsync("kiln", enabled: true, Ct);
        await TurnAsync(client, "Third.");

        Assert.Equal(McpConnectionStatus.Disabled, off.Status);
        var requests = harness.Model.ScriptedRequests;
        Assert.Contains("mcp__kiln__echo", requests[0].ToolNames);
        Assert.DoesNotContain(requests[1].ToolNames, t => t.StartsWith("mcp__kiln__", StringComparison.Ordinal));
        Assert.Contains("mcp__kiln__echo", requests[2].ToolNames);
    }

    [Fact]
    public async Task Reconnecting_a_failed_server_connects_it_once_it_can_start_and_an_unknown_one_is_refused()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));
        var ready = Path.Combine(harness.Home.Temp, "ready");
        var server = Path.Combine(harness.Home.Temp, "flaky-mcp");
        // A stdio MCP server with no tools that starts only once the file 'ready' exists.
        await File.WriteAllTextAsync(server, $$"""
            #!/bin/sh
            [ -f '{{ready}}' ] || exit 1
            while IFS= read -r line; do
              id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
              version=$(printf '%s' "$line" | sed -n 's/.*"protocolVersion":"\([^"]*\)".*/\1/p')
              case "$line" in
                *'"method":"initialize"'*) printf '{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"%s","capabilities":{"tools":{ } },"serverInfo":{"name":"flaky","version":"1.0.0"} } }\n' "$id" "$version" ;;
                *'"method":"tools/list"'*) printf '{"jsonrpc":"2.0","id":%s,"result":{"tools":[]} }\n' "$id" ;;
                *'"id":'*) printf '{"jsonrpc":"2.0","id":%s,"result":{ } }\n' "$id" ;;
              esac
            done
            """, Ct);
        StandInCli.MakeExecutable(server);
        var options = harness.Options with
        {
            McpServers = new Dictionary<string, McpServerConfig>(harness.Options.McpServers) { ["flaky"] = new McpStdioServer(server) },
        };
        await using var client = await ClaudeAgentClient.ConnectAsync(options, Ct);
        await TurnAsync(client, "Hello.");
        var failed = Assert.Single(await client.GetMcpStatusAsync(Ct), s => s.Name == "flaky");

        await File.WriteAllTextAsync(ready, "", Ct);
        await client.ReconnectMcpServerAsync("flaky", Ct);
        var error = await Assert.ThrowsAsync<ControlRequestException>(() => client.ReconnectMcpServerAsync("nowhere", Ct));

        Assert.Equal(McpConnectionStatus.Failed, failed.Status);
        var reconnected = Assert.Single(await client.GetMcpStatusAsync(Ct), s => s.Name == "flaky");
        Assert.Equal(McpConnectionStatus.Connected, reconnected.Status);
        Assert.Equal("flaky 1.0.0", reconnected.ServerVersion);
        Assert.Equal("mcp_reconnect", error.Subtype);
        Assert.Contains("nowhere", error.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ContextUsageDetail.Summary)]
    [InlineData(ContextUsageDetail.Full)]
    public async Task Context_usage_counts_the_window_by_category(ContextUsageDetail detail)
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine.").WithUsage(5_000, 50));
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);
        await TurnAsync(client, "Hello.");

        var usage = await client.GetContextUsageAsync(detail, Ct);

        Assert.True(usage.TotalTokens > 0, usage.Raw.ToJsonString());
        Assert.True(usage.MaxTokens >= usage.TotalTokens);
        // The scripted reply reported 5,000 input tokens: they are the conversation so far.
        Assert.Contains(usage.Categories, c => c.Id == "messages" && c.Kind == ContextCategoryKind.Used && c.Tokens >= 4_000);
        Assert.Contains(usage.Categories, c => c.Kind == ContextCategoryKind.Free);
    }

    [Fact]
    public async Task The_thinking_budget_changes_from_the_next_request()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("One."), ScriptedReply.Text("Two."));
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);

        await TurnAsync(client, "First.");
        await client.SetMaxThinkingTokensAsync(4_000, Ct);
        await TurnAsync(client, "Second.");

        var requests = harness.Model.ScriptedRequests;
        Assert.NotEqual(4_000, requests[0].Body["thinking"]?["budget_tokens"]?.GetValue<int>());
        Assert.Equal("enabled", requests[1].Body["thinking"]?["type"]?.GetValue<string>());
        Assert.Equal(4_000, requests[1].Body["thinking"]?["budget_tokens"]?.GetValue<int>());
    }

    [Fact]
    public async Task Stop_task_stops_a_background_command()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(
            ScriptedReply.ToolUse("Bash", new { command = "sleep 60", description = "Wait a minute", run_in_background = true }),
            ScriptedReply.Text("Started."));
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options with { BuiltInTools = ["Bash"], AllowedTools = ["Bash"] }, Ct);

        var turn = await TurnAsync(client, "Wait in the background.");
        var started = turn.OfType<TaskStartedMessage>().Single();
        await client.StopTaskAsync(started.TaskId, Ct);

        var stopped = await client.ReceiveMessagesAsync(Ct).OfType<TaskNotificationMessage>().FirstAsync(m => m.TaskId == started.TaskId, Ct);
        Assert.Equal(BackgroundTaskStatus.Stopped, stopped.Status);
        Assert.Equal("Wait a minute", started.Description);
    }

    [Fact]
    public async Task Rewinding_files_puts_back_what_the_agent_wrote()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        var file = Path.Combine(harness.Home.WorkingDirectory, "notes.txt");
        harness.Model.Enqueue(ScriptedReply.ToolUse("Write", new { file_path = file, content = "written by the agent" }), ScriptedReply.Text("Written."));
        var options = harness.Options with { BuiltInTools = ["Write"], AllowedTools = ["Write"], EnableFileCheckpointing = true };
        await using var client = await ClaudeAgentClient.ConnectAsync(options, Ct);

        var prompt = await client.SendAsync("Write the notes.", Ct);
        await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);
        Assert.Equal("written by the agent", await File.ReadAllTextAsync(file, Ct));
        var preview = await client.RewindFilesAsync(prompt, dryRun: true, Ct);
        Assert.True(File.Exists(file));
        var rewound = await client.RewindFilesAsync(prompt, cancellationToken: Ct);

        Assert.True(preview.CanRewind, preview.Error);
        Assert.Contains(file, preview.FilesChanged);
        Assert.True(rewound.CanRewind, rewound.Error);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Without_checkpointing_rewinding_is_refused_with_the_reason()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);

        var result = await client.RewindFilesAsync(Guid.NewGuid().ToString(), dryRun: true, Ct);

        Assert.False(result.CanRewind);
        Assert.Contains("not enabled", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_control_request_can_be_sent_and_an_unknown_one_is_refused()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);
        await TurnAsync(client, "Hello.");

        var status = await client.SendControlRequestAsync("mcp_status", cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<ControlRequestException>(
            () => client.SendControlRequestAsync("frobnicate", new JsonObject { ["level"] = 11 }, Ct));

        Assert.Equal("kiln", status["mcpServers"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("frobnicate", error.Subtype);
        Assert.Contains("Unsupported control request subtype", error.Error, StringComparison.Ordinal);
    }

    private static async Task<List<Message>> TurnAsync(ClaudeAgentClient client, string prompt)
    {
        await client.SendAsync(prompt, Ct);
        return await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);
    }
}
