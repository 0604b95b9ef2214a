using System.Text.Json.Nodes;
using Kiln.Testing;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>Options seen through what the real CLI does with them: what the model is sent, what the CLI writes.</summary>
[Slow]
public sealed class ClaudeAgentOptionsTests
{
    // A phrase of Claude Code's own system prompt (CLI 2.1.332), which an SDK host gets only by asking for it.
    private const string ClaudeCodePromptMarker = "Use the instructions below and the tools available to you";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_custom_system_prompt_replaces_claude_code_s()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));

        await ClaudeAgentClient.QueryAsync("Hello.", harness.Options with { SystemPrompt = "You are Kiln's test agent." }, Ct).ToListAsync(Ct);

        var system = harness.Model.ScriptedRequests[0].System;
        Assert.Contains("You are Kiln's test agent.", system, StringComparison.Ordinal);
        Assert.DoesNotContain(ClaudeCodePromptMarker, system, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_claude_code_preset_keeps_claude_code_s_prompt_and_appends_to_it()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));

        await ClaudeAgentClient.QueryAsync("Hello.", harness.Options with { SystemPrompt = SystemPrompt.ClaudeCode(append: "Answer in one word.") }, Ct)
            .ToListAsync(Ct);

        var system = harness.Model.ScriptedRequests[0].System;
        var preset = system.IndexOf(ClaudeCodePromptMarker, StringComparison.Ordinal);
        var appended = system.IndexOf("Answer in one word.", StringComparison.Ordinal);
        Assert.True(preset >= 0, system);
        Assert.True(appended > preset, system);
    }

    [Fact]
    public async Task Without_a_system_prompt_the_agent_gets_none_of_claude_code_s()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));

        await ClaudeAgentClient.QueryAsync("Hello.", harness.Options, Ct).ToListAsync(Ct);

        Assert.DoesNotContain(ClaudeCodePromptMarker, harness.Model.ScriptedRequests[0].System, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disallowed_tool_is_not_offered_to_the_model()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));

        var messages = await ClaudeAgentClient.QueryAsync("Hello.", harness.Options with { DisallowedTools = ["mcp__kiln__shout"] }, Ct).ToListAsync(Ct);

        Assert.Equal(["mcp__kiln__echo"], harness.Model.ScriptedRequests[0].ToolNames);
        Assert.DoesNotContain("mcp__kiln__shout", messages.OfType<InitMessage>().Single().Tools);
    }

    [Fact]
    public async Task An_overloaded_model_falls_back_to_the_fallback_model()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Overloaded(), ScriptedReply.Text("From the fallback."));

        var messages = await ClaudeAgentClient.QueryAsync("Go.", harness.Options with { FallbackModel = "claude-haiku-4-5" }, Ct).ToListAsync(Ct);

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

        await ClaudeAgentClient.QueryAsync("Hello.", harness.Options with { ExtraArgs = [new("debug-file", debugFile)] }, Ct)
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
            ExtraArgs = [new("debug-to-stderr")],
            Stderr = line =>
            {
                lock (lines)
                {
                    lines.Add(line);
                }
            },
        };

        await ClaudeAgentClient.QueryAsync("Hello.", options, Ct).ToListAsync(Ct);

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

    [Fact]
    public async Task A_subagent_defined_in_the_options_runs_with_its_own_prompt()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(
            ScriptedReply.ToolUse("Agent", new { subagent_type = "reviewer", description = "Review", prompt = "Review the echo tool.", run_in_background = false }),
            ScriptedReply.Text("Looks fine."),
            ScriptedReply.Text("The reviewer says it looks fine."));
        var options = harness.Options with
        {
            BuiltInTools = ["Agent"],
            AllowedTools = ["Agent"],
            Agents = new Dictionary<string, AgentDefinition>
            {
                ["reviewer"] = new("Reviews tools.", "You are the reviewer subagent.") { Tools = ["mcp__kiln__echo"] },
            },
        };
        await using var client = await ClaudeAgentClient.ConnectAsync(options, Ct);

        await client.SendAsync("Have the reviewer look at the echo tool.", Ct);
        var messages = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);

        Assert.Contains(client.InitializeResult.Agents, a => a is { Name: "reviewer", Description: "Reviews tools." });
        var subagent = harness.Model.ScriptedRequests[1];
        Assert.Contains("You are the reviewer subagent.", subagent.System, StringComparison.Ordinal);
        Assert.Equal("Review the echo tool.", subagent.LastUserText);
        Assert.Equal(["mcp__kiln__echo"], subagent.ToolNames);
        var task = messages.OfType<TaskNotificationMessage>().Single();
        Assert.Equal(BackgroundTaskStatus.Completed, task.Status);
        Assert.Equal("Looks fine.", task.Summary);
        Assert.Equal("The reviewer says it looks fine.", messages.OfType<ResultMessage>().Single().Result);
    }

    [Fact]
    public async Task An_output_format_makes_the_result_carry_the_structured_answer()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.ToolUse("StructuredOutput", new { name = "todo", pages = 3 }));
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["name"] = new JsonObject { ["type"] = "string" }, ["pages"] = new JsonObject { ["type"] = "integer" } },
            ["required"] = new JsonArray("name", "pages"),
        };

        var messages = await ClaudeAgentClient.QueryAsync("Name the app.", harness.Options with { OutputFormat = OutputFormat.JsonSchema(schema) }, Ct)
            .ToListAsync(Ct);

        var result = messages.OfType<ResultMessage>().Single();
        Assert.Equal(ResultSubtype.Success, result.Subtype);
        Assert.Equal("todo", result.StructuredOutput?["name"]?.GetValue<string>());
        Assert.Equal(3, result.StructuredOutput?["pages"]?.GetValue<int>());
        var tool = harness.Model.ScriptedRequests[0].Body["tools"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "StructuredOutput")!;
        Assert.Equal(["name", "pages"], tool["input_schema"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Theory]
    [InlineData("claude-opus-4-6", "adaptive", "adaptive", null)]
    [InlineData("claude-opus-4-6", "disabled", "disabled", null)]
    [InlineData("claude-sonnet-4-5", "3000", "enabled", 3000)]
    public async Task Thinking_reaches_the_model_as_configured(string model, string thinking, string expectedType, int? expectedBudget)
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));
        var option = thinking switch
        {
            "adaptive" => Thinking.Adaptive,
            "disabled" => Thinking.Disabled,
            var budget => Thinking.Enabled(int.Parse(budget, System.Globalization.CultureInfo.InvariantCulture)),
        };

        await ClaudeAgentClient.QueryAsync("Hello.", harness.Options with { Model = model, Thinking = option }, Ct).ToListAsync(Ct);

        var sent = harness.Model.ScriptedRequests[0].Body["thinking"];
        Assert.Equal(expectedType, sent?["type"]?.GetValue<string>());
        Assert.Equal(expectedBudget, sent?["budget_tokens"]?.GetValue<int>());
    }

    [Fact]
    public async Task The_effort_level_reaches_the_model()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));

        await ClaudeAgentClient.QueryAsync("Hello.", harness.Options with { Model = "claude-opus-4-6", Effort = Effort.Low }, Ct).ToListAsync(Ct);

        Assert.Equal("low", harness.Model.ScriptedRequests[0].Body["output_config"]?["effort"]?.GetValue<string>());
    }

    [Fact]
    public async Task Settings_given_inline_apply_to_the_session()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Fine."));
        var settings = """{"permissions":{"deny":["mcp__kiln__shout"]}}""";

        await ClaudeAgentClient.QueryAsync("Hello.", harness.Options with { Settings = settings }, Ct).ToListAsync(Ct);

        Assert.Equal(["mcp__kiln__echo"], harness.Model.ScriptedRequests[0].ToolNames);
    }

    [Fact]
    public async Task Continue_picks_up_the_last_session_in_the_working_directory()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("Noted: blue."), ScriptedReply.Text("It was blue."));
        await ClaudeAgentClient.QueryAsync("My colour is blue.", harness.Options, Ct).ToListAsync(Ct);

        var messages = await ClaudeAgentClient.QueryAsync("What was my colour?", harness.Options with { Continue = true }, Ct).ToListAsync(Ct);

        Assert.Equal("It was blue.", messages.OfType<ResultMessage>().Single().Result);
        var continued = harness.Model.ScriptedRequests[^1];
        Assert.Contains("My colour is blue.", continued.UserTexts);
        Assert.Contains("Noted: blue.", continued.AssistantTexts);
    }

    [Fact]
    public async Task Resuming_at_a_message_leaves_out_what_came_after_it()
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        harness.Model.Enqueue(ScriptedReply.Text("One noted."), ScriptedReply.Text("Two noted."), ScriptedReply.Text("Only one."));
        string sessionId;
        string firstAnswer;
        await using (var client = await ClaudeAgentClient.ConnectAsync(harness.Options, Ct))
        {
            await client.SendAsync("Remember one.", Ct);
            firstAnswer = (await client.ReceiveResponseAsync(Ct).ToListAsync(Ct)).OfType<AssistantMessage>().Single().Uuid!;
            await client.SendAsync("Remember two.", Ct);
            await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);
            sessionId = client.SessionId!;
        }

        await ClaudeAgentClient.QueryAsync("What do you remember?", harness.Options with { Resume = sessionId, ResumeSessionAt = firstAnswer }, Ct)
            .ToListAsync(Ct);

        var resumed = harness.Model.ScriptedRequests[^1];
        Assert.Contains("Remember one.", resumed.UserTexts);
        Assert.Contains("One noted.", resumed.AssistantTexts);
        Assert.DoesNotContain("Remember two.", resumed.UserTexts);
        Assert.DoesNotContain("Two noted.", resumed.AssistantTexts);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Plugins_load_from_the_option_or_from_an_extra_arg_given_more_than_once(bool asExtraArgs)
    {
        await using var harness = await AgentHarness.StartAsync(Ct);
        // Two plugins, each with one command: both load only if both directories reach the CLI.
        var plugins = new[] { "alpha", "beta" }.Select(name =>
        {
            var directory = Path.Combine(harness.Home.Temp, name);
            Directory.CreateDirectory(Path.Combine(directory, ".claude-plugin"));
            Directory.CreateDirectory(Path.Combine(directory, "commands"));
            File.WriteAllText(Path.Combine(directory, ".claude-plugin", "plugin.json"), $$"""{"name":"{{name}}","version":"1.0.0"}""");
            File.WriteAllText(Path.Combine(directory, "commands", $"{name}-hello.md"), $"---\ndescription: Says hello from {name}.\n---\nSay hello.\n");
            return directory;
        }).ToList();
        var options = asExtraArgs
            ? harness.Options with { ExtraArgs = [.. plugins.Select(p => new ExtraArg("plugin-dir", p))] }
            : harness.Options with { Plugins = plugins };

        await using var client = await ClaudeAgentClient.ConnectAsync(options, Ct);

        var commands = client.InitializeResult.Commands.Select(c => c.Name).ToList();
        Assert.Contains(commands, c => c.EndsWith("alpha-hello", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.EndsWith("beta-hello", StringComparison.Ordinal));
    }
}
