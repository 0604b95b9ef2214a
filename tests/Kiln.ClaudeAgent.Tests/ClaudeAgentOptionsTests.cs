using Kiln.Testing;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>Options seen through what the real CLI does with them: what the model is sent, what the CLI writes.</summary>
[Slow]
public sealed class ClaudeAgentOptionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_appended_system_prompt_reaches_the_model_after_the_system_prompt()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));
        var options = harness.Options with { SystemPrompt = "You are Kiln's test agent.", AppendSystemPrompt = "Answer in one word." };

        await ClaudeAgent.QueryAsync("Hello.", options, Ct).ToListAsync(Ct);

        var system = harness.Model.ScriptedRequests[0].System;
        var replaced = system.IndexOf("You are Kiln's test agent.", StringComparison.Ordinal);
        var appended = system.IndexOf("Answer in one word.", StringComparison.Ordinal);
        Assert.True(replaced >= 0, system);
        Assert.True(appended > replaced, system);
    }

    [Fact]
    public async Task A_disallowed_tool_is_not_offered_to_the_model()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));

        var messages = await ClaudeAgent.QueryAsync("Hello.", harness.Options with { DisallowedTools = ["mcp__kiln__shout"] }, Ct).ToListAsync(Ct);

        Assert.Equal(["mcp__kiln__echo"], harness.Model.ScriptedRequests[0].ToolNames);
        Assert.DoesNotContain("mcp__kiln__shout", messages.OfType<InitMessage>().Single().Tools);
    }

    [Fact]
    public async Task An_overloaded_model_falls_back_to_the_fallback_model()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Overloaded(), ScriptedReply.Text("From the fallback."));

        var messages = await ClaudeAgent.QueryAsync("Go.", harness.Options with { FallbackModel = "claude-haiku-4-5" }, Ct).ToListAsync(Ct);

        var result = messages.OfType<ResultMessage>().Single();
        Assert.Equal(ResultSubtype.Success, result.Subtype);
        Assert.Equal("From the fallback.", result.Result);
        Assert.Equal(["claude-sonnet-4-5", "claude-haiku-4-5"], harness.Model.ScriptedRequests.Select(r => r.Model));
    }

    [Fact]
    public async Task An_extra_arg_with_a_value_reaches_the_cli()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));
        var debugFile = Path.Combine(harness.Home.Temp, "debug.log");

        await ClaudeAgent.QueryAsync("Hello.", harness.Options with { ExtraArgs = new Dictionary<string, string?> { ["debug-file"] = debugFile } }, Ct)
            .ToListAsync(Ct);

        Assert.Contains("[DEBUG]", await File.ReadAllTextAsync(debugFile, Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stderr_callback_receives_each_line_the_cli_writes_to_stderr()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));
        var lines = new List<string>();
        // A bare switch (null value): the CLI's debug log goes to stderr.
        var options = harness.Options with
        {
            ExtraArgs = new Dictionary<string, string?> { ["debug-to-stderr"] = null },
            Stderr = line =>
            {
                lock (lines)
                {
                    lines.Add(line);
                }
            },
        };

        await ClaudeAgent.QueryAsync("Hello.", options, Ct).ToListAsync(Ct);

        lock (lines)
        {
            Assert.True(lines.Count(l => l.Contains("[DEBUG]", StringComparison.Ordinal)) > 5, string.Join('\n', lines));
            Assert.DoesNotContain(lines, l => l.Contains('\n', StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Switching_the_permission_mode_to_dont_ask_denies_without_asking_from_the_next_turn()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(
            ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "asked" }), ScriptedReply.Text("One."),
            ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "not asked" }), ScriptedReply.Text("Two."));
        var asked = new List<string>();
        var options = harness.Options with
        {
            CanUseTool = (request, _) =>
            {
                asked.Add(request.Input["text"]!.GetValue<string>());
                return Task.FromResult(PermissionDecision.Allow());
            },
        };
        await using var client = await ClaudeAgentClient.ConnectAsync(options, Ct);

        await client.SendAsync("First.", Ct);
        var first = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);
        await client.SetPermissionModeAsync(PermissionMode.DontAsk, Ct);
        await client.SendAsync("Second.", Ct);
        var second = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);

        Assert.Equal(["asked"], asked);
        Assert.False(Assert.Single(harness.Model.ScriptedRequests[1].ToolResults).IsError);
        Assert.True(harness.Model.ScriptedRequests[3].ToolResults[^1].IsError);
        Assert.Equal("default", first.OfType<InitMessage>().Single().PermissionMode);
        Assert.Equal("dontAsk", second.OfType<InitMessage>().Single().PermissionMode);
    }
}
