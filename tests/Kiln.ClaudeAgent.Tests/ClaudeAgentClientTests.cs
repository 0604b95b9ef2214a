using Kiln.Testing;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>The client against the real Claude Code CLI, which talks to a scripted model.</summary>
[Slow]
public sealed class ClaudeAgentClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_agent_calls_an_in_process_mcp_tool_and_its_result_reaches_the_model()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "hi" }), ScriptedReply.Text("All done."));
        var options = harness.Options with { AllowedTools = ["mcp__kiln"], SystemPrompt = "You are Kiln's test agent." };

        var messages = await ClaudeAgentClient.QueryAsync("Say hi through the echo tool.", options, Ct).ToListAsync(Ct);

        var init = Assert.Single(messages.OfType<InitMessage>());
        Assert.Contains("mcp__kiln__echo", init.Tools);
        Assert.Contains(init.McpServers, s => s is { Name: "kiln" } && s.Status == McpConnectionStatus.Connected);
        var toolResult = messages.OfType<UserMessage>().SelectMany(m => m.Content).OfType<ToolResultBlock>().Single();
        Assert.False(toolResult.IsError);
        Assert.Equal("echo: hi", toolResult.Text);
        var result = Assert.IsType<ResultMessage>(messages[^1]);
        Assert.Equal(ResultSubtype.Success, result.Subtype);
        Assert.Equal("All done.", result.Result);

        var requests = harness.Model.ScriptedRequests;
        Assert.Equal(2, requests.Count);
        // tools/list went through the in-process server: the schema comes from the C# signature.
        var echo = requests[0].Body["tools"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "mcp__kiln__echo")!;
        Assert.Equal("Echoes the text back.", echo["description"]!.GetValue<string>());
        Assert.Equal("string", echo["input_schema"]!["properties"]!["text"]!["type"]!.GetValue<string>());
        Assert.Contains("You are Kiln's test agent.", requests[0].System, StringComparison.Ordinal);
        var sentBack = Assert.Single(requests[1].ToolResults);
        Assert.Equal(toolResult.ToolUseId, sentBack.ToolUseId);
        Assert.False(sentBack.IsError);
        // The CLI may append its own reminders to a tool result; the tool's output comes first.
        Assert.StartsWith("echo: hi", sentBack.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrapped_command_runs_the_cli_inside_the_wrapper()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Wrapped."));
        CliCommand? started = null;
        // env(1) stands in for a sandbox launcher such as bubblewrap: its argv ends with the CLI's.
        var options = harness.Options with
        {
            WrapCommand = cli => started = cli with { FileName = "/usr/bin/env", Arguments = [cli.FileName, .. cli.Arguments] },
        };

        var messages = await ClaudeAgentClient.QueryAsync("Hello.", options, Ct).ToListAsync(Ct);

        Assert.Equal("Wrapped.", messages.OfType<ResultMessage>().Single().Result);
        Assert.Equal("/usr/bin/env", started?.FileName);
    }

    [Fact]
    public async Task A_conversation_keeps_its_history_across_turns()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Noted: 42."), ScriptedReply.Text("It was 42."));
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options with { IncludePartialMessages = true }, Ct);

        await client.SendAsync("Remember the number 42.", Ct);
        var first = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);
        await client.SendAsync("Which number was it?", Ct);
        var second = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);

        Assert.Equal("Noted: 42.", Assert.IsType<ResultMessage>(first[^1]).Result);
        Assert.Equal("It was 42.", Assert.IsType<ResultMessage>(second[^1]).Result);
        Assert.Contains(first, m => m is StreamEventMessage { EventType: "content_block_delta" });
        var followUp = harness.Model.ScriptedRequests[1];
        Assert.Equal(["Remember the number 42.", "Which number was it?"], followUp.UserTexts.Where(t => !t.StartsWith('<')));
        Assert.Contains("Noted: 42.", followUp.AssistantTexts);
        Assert.NotNull(client.SessionId);
    }

    [Fact]
    public async Task A_resumed_session_sends_the_earlier_conversation_to_the_model()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Noted: the password is swordfish."), ScriptedReply.Text("It was swordfish."));
        string sessionId;
        await using (var first = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct))
        {
            await first.SendAsync("The password is swordfish.", Ct);
            var result = (await first.ReceiveResponseAsync(Ct).ToListAsync(Ct)).OfType<ResultMessage>().Single();
            sessionId = result.SessionId!;
        }

        var messages = await ClaudeAgentClient.QueryAsync("What was the password?", harness.Options with { Resume = sessionId }, Ct).ToListAsync(Ct);

        Assert.Equal("It was swordfish.", messages.OfType<ResultMessage>().Single().Result);
        var resumed = harness.Model.ScriptedRequests[^1];
        Assert.Contains("The password is swordfish.", resumed.UserTexts);
        Assert.Contains("Noted: the password is swordfish.", resumed.AssistantTexts);
        Assert.Equal("What was the password?", resumed.UserTexts.Last(t => !t.StartsWith('<')));
    }

    [Fact]
    public async Task A_permission_callback_denies_a_tool_and_the_model_is_told_why()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "secret" }), ScriptedReply.Text("Understood."));
        var asked = new List<ToolPermissionRequest>();
        var options = harness.Options with
        {
            CanUseTool = (request, _) =>
            {
                asked.Add(request);
                return Task.FromResult(PermissionDecision.Deny("Echoing secrets is not allowed."));
            },
        };

        var messages = await ClaudeAgentClient.QueryAsync("Echo the secret.", options, Ct).ToListAsync(Ct);

        var question = Assert.Single(asked);
        Assert.Equal("mcp__kiln__echo", question.ToolName);
        Assert.Equal("secret", question.Input["text"]!.GetValue<string>());
        var sentBack = Assert.Single(harness.Model.ScriptedRequests[1].ToolResults);
        Assert.True(sentBack.IsError);
        Assert.Contains("Echoing secrets is not allowed.", sentBack.Text, StringComparison.Ordinal);
        Assert.Equal(ResultSubtype.Success, messages.OfType<ResultMessage>().Single().Subtype);
    }

    [Fact]
    public async Task A_permission_answer_can_allow_the_tool_for_the_rest_of_the_session()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(
            ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "one" }),
            ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "two" }),
            ScriptedReply.Text("Both echoed."));
        var asked = new List<ToolPermissionRequest>();
        var options = harness.Options with
        {
            CanUseTool = (request, _) =>
            {
                asked.Add(request);
                // The CLI suggests an allow rule in the project's settings; this session is enough.
                var rule = request.Suggestions.OfType<PermissionUpdate.AddRules>().First();
                return Task.FromResult(PermissionDecision.Allow(updatedPermissions: [rule with { Destination = PermissionDestination.Session }]));
            },
        };

        await ClaudeAgentClient.QueryAsync("Echo twice.", options, Ct).ToListAsync(Ct);

        var question = Assert.Single(asked);
        var suggestion = Assert.IsType<PermissionUpdate.AddRules>(Assert.Single(question.Suggestions));
        Assert.Equal([new PermissionRule("mcp__kiln__echo")], suggestion.Rules);
        Assert.Equal(PermissionBehavior.Allow, suggestion.Behavior);
        Assert.All(harness.Model.ScriptedRequests[2].ToolResults, r => Assert.False(r.IsError));
        Assert.Equal(2, harness.Model.ScriptedRequests[2].ToolResults.Count);
    }

    [Fact]
    public async Task Without_a_permission_callback_a_tool_that_needs_permission_is_denied_at_once()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "x" }), ScriptedReply.Text("OK."));

        var messages = await ClaudeAgentClient.QueryAsync("Echo.", harness.Options, Ct).ToListAsync(Ct);

        Assert.Equal(ResultSubtype.Success, messages.OfType<ResultMessage>().Single().Subtype);
        Assert.True(Assert.Single(harness.Model.ScriptedRequests[1].ToolResults).IsError);
    }

    [Fact]
    public async Task A_pre_tool_use_hook_blocks_one_call_and_lets_the_next_run()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(
            ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "forbidden" }),
            ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "fine" }),
            ScriptedReply.Text("Done."));
        var seen = new List<HookInput>();
        var ran = new List<HookInput>();
        var options = harness.Options with
        {
            AllowedTools = ["mcp__kiln__echo"],
            Hooks = new Dictionary<HookEvent, IReadOnlyList<HookMatcher>>
            {
                [HookEvent.PreToolUse] = [new HookMatcher("mcp__kiln__echo", (input, _) =>
                {
                    seen.Add(input);
                    return Task.FromResult(input.ToolInput?["text"]?.GetValue<string>() == "forbidden"
                        ? HookOutput.DenyToolUse("That word is blocked by policy.")
                        : HookOutput.Continue);
                })],
                [HookEvent.PostToolUse] = [new HookMatcher(null, (input, _) =>
                {
                    ran.Add(input);
                    return Task.FromResult(HookOutput.Continue);
                })],
            },
        };

        await ClaudeAgentClient.QueryAsync("Echo twice.", options, Ct).ToListAsync(Ct);

        Assert.Equal([HookEvent.PreToolUse, HookEvent.PreToolUse], seen.Select(h => h.Event));
        Assert.All(seen, h => Assert.Equal("mcp__kiln__echo", h.ToolName));
        var after = Assert.Single(ran);
        Assert.Equal(HookEvent.PostToolUse, after.Event);
        Assert.Equal("fine", after.ToolInput?["text"]?.GetValue<string>());
        Assert.Contains("echo: fine", after.ToolResponse?.ToJsonString(), StringComparison.Ordinal);
        var results = harness.Model.ScriptedRequests[2].ToolResults;
        Assert.Equal(2, results.Count);
        Assert.True(results[0].IsError);
        Assert.Contains("That word is blocked by policy.", results[0].Text, StringComparison.Ordinal);
        Assert.False(results[1].IsError);
        Assert.StartsWith("echo: fine", results[1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interrupt_stops_a_turn_that_is_waiting_on_the_model()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Hanging, ScriptedReply.Text("Back again."));
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);

        await client.SendAsync("Take your time.", Ct);
        await harness.Model.WaitForRequestAsync(r => !r.IsSideCall, Ct);
        await client.InterruptAsync(Ct);
        var interrupted = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);
        await client.SendAsync("Still there?", Ct);
        var next = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);

        var stopped = Assert.IsType<ResultMessage>(interrupted[^1]);
        Assert.Equal(ResultSubtype.ErrorDuringExecution, stopped.Subtype);
        Assert.Equal("aborted_streaming", stopped.TerminalReason);
        Assert.Contains(interrupted.OfType<UserMessage>(), m => m.Content.OfType<TextBlock>().Any(b => b.Text.Contains("interrupted", StringComparison.Ordinal)));
        Assert.Equal("Back again.", Assert.IsType<ResultMessage>(next[^1]).Result);
    }

    [Fact]
    public async Task Disposing_the_client_mid_turn_kills_the_cli()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Hanging);
        var client = await ClaudeAgentClient.ConnectAsync(harness.Options with { ShutdownTimeout = TimeSpan.FromMilliseconds(300) }, Ct);
        using var cli = System.Diagnostics.Process.GetProcessById(client.ProcessId);

        await client.SendAsync("Work for a long time.", Ct);
        await harness.Model.WaitForRequestAsync(r => !r.IsSideCall, Ct);
        await client.DisposeAsync();

        Assert.True(cli.HasExited);
    }

    [Fact]
    public async Task Cancelling_a_query_ends_it_promptly()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Hanging);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var query = ClaudeAgentClient.QueryAsync("Work for a long time.", harness.Options with { ShutdownTimeout = TimeSpan.FromMilliseconds(300) }, cancel.Token)
            .ToListAsync(cancel.Token).AsTask();

        await harness.Model.WaitForRequestAsync(r => !r.IsSideCall, Ct);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => query.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task A_cli_killed_mid_run_surfaces_as_a_process_error_with_its_exit_code()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Hanging);
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);

        await client.SendAsync("Work for a long time.", Ct);
        await harness.Model.WaitForRequestAsync(r => !r.IsSideCall, Ct);
        using (var cli = System.Diagnostics.Process.GetProcessById(client.ProcessId))
        {
            cli.Kill(); // SIGKILL, the CLI alone
        }

        var error = await Assert.ThrowsAsync<CliProcessException>(() => client.ReceiveResponseAsync(Ct).ToListAsync(Ct).AsTask());
        Assert.Equal(137, error.ExitCode);
        Assert.Contains("signal 9", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(529, "api_error")]
    [InlineData(400, "prompt_too_long")]
    public async Task An_api_error_ends_the_turn_with_an_error_result_and_no_retry(int status, string terminalReason)
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(status == 529 ? ScriptedReply.Overloaded() : ScriptedReply.PromptTooLong());

        var messages = await ClaudeAgentClient.QueryAsync("Go.", harness.Options, Ct).ToListAsync(Ct);

        var result = messages.OfType<ResultMessage>().Single();
        Assert.True(result.IsError);
        Assert.Equal(status, result.ApiErrorStatus);
        Assert.Equal(terminalReason, result.TerminalReason);
        Assert.NotNull(messages.OfType<AssistantMessage>().Single().Error);
        // The scripted server's x-should-retry: false keeps the CLI from retrying with back-off.
        Assert.Single(harness.Model.ScriptedRequests);
    }

    [Fact]
    public async Task The_turn_limit_ends_the_run_with_error_max_turns()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "1" }), ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "2" }));

        var messages = await ClaudeAgentClient.QueryAsync("Loop.", harness.Options with { AllowedTools = ["mcp__kiln__echo"], MaxTurns = 1 }, Ct).ToListAsync(Ct);

        var result = messages.OfType<ResultMessage>().Single();
        Assert.Equal(ResultSubtype.ErrorMaxTurns, result.Subtype);
        Assert.True(result.IsError);
    }

    [Fact]
    public async Task The_budget_limit_ends_the_run_with_error_max_budget_usd()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        // A million input tokens cost dollars at any Claude price, far past a one-cent budget.
        harness.Model.Enqueue(
            ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "1" }).WithUsage(1_000_000, 100),
            ScriptedReply.ToolUse("mcp__kiln__echo", new { text = "2" }).WithUsage(1_000_000, 100));

        var messages = await ClaudeAgentClient.QueryAsync("Spend.", harness.Options with { AllowedTools = ["mcp__kiln__echo"], MaxBudgetUsd = 0.01m }, Ct).ToListAsync(Ct);

        var result = messages.OfType<ResultMessage>().Single();
        Assert.Equal(ResultSubtype.ErrorMaxBudgetUsd, result.Subtype);
        Assert.True(result.TotalCostUsd > 0.01m);
    }

    [Fact]
    public async Task The_model_and_permission_mode_can_change_mid_session()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("One."), ScriptedReply.Text("Two."));
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);

        await client.SendAsync("First.", Ct);
        await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);
        await client.SetModelAsync("claude-haiku-4-5", Ct);
        await client.SetPermissionModeAsync(PermissionMode.AcceptEdits, Ct);
        await client.SendAsync("Second.", Ct);
        await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);

        Assert.Equal("claude-sonnet-4-5", harness.Model.ScriptedRequests[0].Model);
        Assert.Equal("claude-haiku-4-5", harness.Model.ScriptedRequests[1].Model);
    }

    [Fact]
    public async Task Compacting_the_conversation_reports_a_compact_boundary()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Noted."), ScriptedReply.Text("<summary>The user said hello.</summary>"));
        await using var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct);
        await client.SendAsync("Hello.", Ct);
        await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);

        await client.SendAsync("/compact", Ct);
        var messages = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);

        var boundary = messages.OfType<CompactBoundaryMessage>().Single();
        Assert.Equal("manual", boundary.Trigger);
        Assert.True(boundary.PreTokens > 0);
    }
}
