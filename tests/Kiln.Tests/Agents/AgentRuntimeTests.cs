using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Agents;

/// <summary>
/// Both runtimes — the built-in loop and the real Claude Code CLI — against a scripted Messages API whose
/// every reply is the test's. One suite, so the two keep the same promises.
/// </summary>
public sealed class AgentRuntimeTests : IAsyncLifetime
{
    // The real CLI makes the claude-code rows slow; the built-in loop's are quick.
    public static IEnumerable<TheoryDataRow<string>> Runtimes => [new("builtin"), new TheoryDataRow<string>("claude-code").Slow()];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync() => _model = await ScriptedModelServer.StartAsync();

    public async ValueTask DisposeAsync() => await _model.DisposeAsync();

    /// <summary>What the person said in a request: its user text, without the reminders a client injects.</summary>
    private static List<string> Said(ScriptedRequest request) =>
        [.. request.UserTexts.Where(text => !text.TrimStart().StartsWith('<'))];

    /// <summary>A tool's name as the runtime's model sees it: the CLI serves Kiln's tools as the MCP server "kiln".</summary>
    private static string Tool(string runtime, string name) => runtime == "claude-code" ? $"mcp__kiln__{name}" : name;

    private KilnApp StartKiln(string runtime, params (string Key, string Value)[] settings)
    {
        if (runtime == "claude-code")
        {
            Requires.ClaudeCli();
        }

        var all = new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Anthropic:BaseUrl"] = _model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-sonnet-4-5",
            ["Kiln:Agent:Runtime"] = runtime,
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return KilnApp.Start(all);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_failing_tool_goes_back_to_the_model_which_recovers(string runtime)
    {
        _model.Enqueue(
            ScriptedReply.Of(ScriptedContent.Text("Writing the page."), ScriptedContent.ToolUse(Tool(runtime, "write_file"), new { path = "../escape.html", content = "x" })),
            ScriptedReply.ToolUse(Tool(runtime, "write_file"), new { path = "index.html", content = "<h1>Recovered</h1>" }),
            ScriptedReply.ToolUse(Tool(runtime, "no_such_tool"), new { }),
            ScriptedReply.Text("Built it."));
        await using var kiln = StartKiln(runtime);

        var projectId = await kiln.GenerateAsync("a page");
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        var requests = _model.ScriptedRequests;
        Assert.Equal(4, requests.Count);
        Assert.Equal("claude-sonnet-4-5", requests[0].Model);
        Assert.Contains(Tool(runtime, "write_file"), requests[0].ToolNames);
        Assert.DoesNotContain("Bash", requests[0].ToolNames);
        Assert.Equal(["a page"], Said(requests[0]));
        var refused = Assert.Single(requests[1].ToolResults);
        Assert.True(refused.IsError);
        Assert.Contains("'..' is not allowed", refused.Text, StringComparison.Ordinal);
        Assert.False(requests[2].ToolResults[^1].IsError);
        var unknown = requests[3].ToolResults[^1];
        Assert.True(unknown.IsError);
        Assert.Contains("no_such_tool", unknown.Text, StringComparison.Ordinal);

        Assert.Equal("<h1>Recovered</h1>", await File.ReadAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "index.html")));
        Assert.False(File.Exists(Path.Combine(kiln.ProjectsRoot, projectId, "escape.html")));
        Assert.True(status.GetProperty("usage").GetProperty("inputTokens").GetInt64() >= 40);
        Assert.False(status.GetProperty("offlineModel").GetBoolean());

        await using var events = kiln.Events(projectId);
        var received = await events.ReadUntilAsync(Timeout, "generation_completed");
        var tools = received.Where(e => e.GetProperty("type").GetString() == "tool_executed").Select(e => e.GetProperty("data")).ToList();
        Assert.Equal([false, true], tools.Select(t => t.GetProperty("ok").GetBoolean()));
        Assert.Contains(received, e => e.GetProperty("type").GetString() == "agent_message" && e.GetProperty("data").GetProperty("text").GetString() == "Built it.");
        var completed = received[^1].GetProperty("data");
        Assert.True(completed.GetProperty("turns").GetInt32() >= 1);
        Assert.Equal("Built it.", completed.GetProperty("summary").GetString());
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_completed_generation_says_how_full_the_context_is(string runtime)
    {
        _model.Enqueue(ScriptedReply.Text("Counted.").WithUsage(5_000, 50));
        await using var kiln = StartKiln(runtime, ("Kiln:Agent:ContextBudgetTokens", "60000"));

        var projectId = await kiln.GenerateAsync("how full is it?");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        await using var events = kiln.Events(projectId);
        var context = (await events.ReadUntilAsync(Timeout, "generation_completed"))[^1].GetProperty("data").GetProperty("context");
        var tokens = context.GetProperty("tokens").GetInt64();
        var window = context.GetProperty("window").GetInt64();
        Assert.InRange(tokens, 1, window);
        if (runtime == "claude-code")
        {
            // The CLI counts from the last response's usage: the scripted 5,000 input tokens are in it.
            Assert.True(tokens >= 5_000, context.ToString());
        }
        else
        {
            // The builtin runtime measures against its budget, where it starts shortening the conversation.
            Assert.Equal(60_000, window);
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task The_turn_limit_stops_a_model_that_never_finishes(string runtime)
    {
        await using var kiln = StartKiln(runtime, ("Kiln:Agent:MaxTurns", "3"));
        for (var i = 0; i < 5; i++)
        {
            _model.Enqueue(ScriptedReply.ToolUse(Tool(runtime, "list_directory"), new { }));
        }

        var projectId = await kiln.GenerateAsync("loop forever");
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "failed");

        Assert.Contains("after 3 turns", status.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, _model.ScriptedRequests.Count);
        Assert.Empty(kiln.Log.Errors);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Cancel_mid_stream_stops_the_generation_and_keeps_the_files(string runtime)
    {
        _model.Enqueue(ScriptedReply.ToolUse(Tool(runtime, "write_file"), new { path = "index.html", content = "<p>kept</p>" }), ScriptedReply.Hanging);
        await using var kiln = StartKiln(runtime);
        var projectId = await kiln.GenerateAsync("something slow");
        await _model.WaitForRequestAsync(r => r.ToolResults.Count > 0, new CancellationTokenSource(Timeout).Token);

        using var client = kiln.Client();
        using var response = await client.PostAsync($"/api/projects/{projectId}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cancelled", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await using var events = kiln.Events(projectId);
        var received = await events.ReadUntilAsync(Timeout, "generation_cancelled");
        Assert.Equal("Cancelled by request.", received[^1].GetProperty("data").GetProperty("reason").GetString());
        Assert.True(File.Exists(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "index.html")));

        // The next prompt continues the conversation, which stays well formed after the cut.
        _model.Enqueue(ScriptedReply.Text("Resumed."));
        await kiln.GenerateAsync("carry on", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        var resumed = _model.ScriptedRequests[^1];
        // The CLI also records the interruption itself ("[Request interrupted by user]") between the two.
        Assert.Equal("something slow", Said(resumed)[0]);
        Assert.Equal("carry on", Said(resumed)[^1]);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_follow_up_sends_the_earlier_conversation(string runtime)
    {
        _model.Enqueue(ScriptedReply.Text("First answer."), ScriptedReply.Text("Second answer."));
        await using var kiln = StartKiln(runtime);
        var projectId = await kiln.GenerateAsync("first prompt");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await kiln.GenerateAsync("second prompt", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        var second = _model.ScriptedRequests[^1];
        Assert.Equal(["first prompt", "second prompt"], Said(second));
        Assert.Contains("First answer.", second.AssistantTexts);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_model_api_error_fails_the_generation_with_its_message(string runtime)
    {
        _model.Enqueue(ScriptedReply.PromptTooLong());
        await using var kiln = StartKiln(runtime);
        var projectId = await kiln.GenerateAsync("anything");

        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "failed");
        Assert.Contains("prompt is too long", status.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(kiln.Log.Errors);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Generations_beyond_the_limit_wait_in_order_and_a_busy_project_refuses_a_follow_up(string runtime)
    {
        _model.Enqueue(ScriptedReply.Hanging, ScriptedReply.Text("second done"), ScriptedReply.Text("third done"));
        await using var kiln = StartKiln(runtime, ("Kiln:Agent:MaxConcurrentGenerations", "1"));
        var first = await kiln.GenerateAsync("first");
        await _model.WaitForRequestAsync(r => Said(r).Contains("first"), new CancellationTokenSource(Timeout).Token);
        var second = await kiln.GenerateAsync("second");
        var third = await kiln.GenerateAsync("third");

        Assert.Equal("generating", (await kiln.StatusAsync(first)).GetProperty("status").GetString());
        Assert.Equal("queued", (await kiln.StatusAsync(second)).GetProperty("status").GetString());
        Assert.Equal("queued", (await kiln.StatusAsync(third)).GetProperty("status").GetString());

        using var client = kiln.Client();
        foreach (var busy in new[] { first, second })
        {
            using var conflict = await client.PostAsJsonAsync("/api/generate", new { prompt = "change it", projectId = busy });
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
        }

        using var cancel = await client.PostAsync($"/api/projects/{first}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        await kiln.WaitForStatusAsync(third, Timeout, "ready");
        Assert.Equal("ready", (await kiln.StatusAsync(second)).GetProperty("status").GetString());
        Assert.Equal(["first", "second", "third"], _model.ScriptedRequests.Select(r => Said(r)[0]));
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Cancelling_a_queued_generation_means_it_never_runs(string runtime)
    {
        _model.Enqueue(ScriptedReply.Hanging);
        await using var kiln = StartKiln(runtime, ("Kiln:Agent:MaxConcurrentGenerations", "1"));
        var first = await kiln.GenerateAsync("first");
        await _model.WaitForRequestAsync(r => Said(r).Contains("first"), new CancellationTokenSource(Timeout).Token);
        var queued = await kiln.GenerateAsync("never runs");

        using var client = kiln.Client();
        using var cancelQueued = await client.PostAsync($"/api/projects/{queued}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelQueued.StatusCode);
        using var cancelFirst = await client.PostAsync($"/api/projects/{first}/cancel", null);
        await kiln.WaitForStatusAsync(first, Timeout, "cancelled");

        Assert.Equal("cancelled", (await kiln.StatusAsync(queued)).GetProperty("status").GetString());
        Assert.DoesNotContain(_model.ScriptedRequests, r => Said(r).Contains("never runs"));
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Deleting_a_generating_project_stops_it_and_removes_everything(string runtime)
    {
        _model.Enqueue(ScriptedReply.ToolUse(Tool(runtime, "write_file"), new { path = "a.txt", content = "a" }), ScriptedReply.Hanging);
        await using var kiln = StartKiln(runtime);
        var projectId = await kiln.GenerateAsync("to be deleted");
        await _model.WaitForRequestAsync(r => r.ToolResults.Count > 0, new CancellationTokenSource(Timeout).Token);

        using var client = kiln.Client();
        using var deleted = await client.DeleteAsync($"/api/projects/{projectId}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(kiln.ProjectsRoot, projectId)));
        using var gone = await client.GetAsync($"/api/projects/{projectId}/status");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain(projectId, await client.GetStringAsync("/api/projects"), StringComparison.Ordinal);
        Assert.Empty(kiln.Log.Errors);
    }

    [Fact]
    [Slow]
    public async Task The_cli_killed_mid_run_fails_the_generation_with_a_clear_error_and_keeps_the_files()
    {
        _model.Enqueue(ScriptedReply.ToolUse(Tool("claude-code", "write_file"), new { path = "index.html", content = "<p>kept</p>" }), ScriptedReply.Hanging);
        await using var kiln = StartKiln("claude-code");
        var projectId = await kiln.GenerateAsync("doomed");
        await _model.WaitForRequestAsync(r => r.ToolResults.Count > 0, new CancellationTokenSource(Timeout).Token);

        var cli = System.Diagnostics.Process.GetProcesses()
            .Where(p => Kiln.Tests.Infrastructure.ProcessTable.CommandLine(p.Id).Contains("stream-json", StringComparison.Ordinal)
                && Kiln.Tests.Infrastructure.ProcessTable.WorkingDirectory(p.Id).StartsWith(Path.Combine(kiln.ProjectsRoot, projectId), StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(cli);
        foreach (var process in cli)
        {
            process.Kill();
        }

        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "failed");
        Assert.Contains("Claude Code CLI", status.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("<p>kept</p>", await File.ReadAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "index.html")));
    }

    [Fact]
    [Slow]
    public async Task Auto_picks_claude_code_with_a_key_and_the_cli_and_builtin_for_the_offline_model()
    {
        Requires.ClaudeCli();
        _model.Enqueue(ScriptedReply.Text("Hello."));
        await using (var withKey = StartKiln("auto"))
        {
            var projectId = await withKey.GenerateAsync("which runtime?");
            Assert.Equal("claude-code", (await withKey.WaitForStatusAsync(projectId, Timeout, "ready")).GetProperty("runtime").GetString());
        }

        await using var offline = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Agent:Runtime"] = "auto" });
        var offlineProject = await offline.GenerateAsync("a counter");
        Assert.Equal("builtin", (await offline.WaitForStatusAsync(offlineProject, Timeout, "ready")).GetProperty("runtime").GetString());
    }

    [Fact]
    public async Task The_budget_stops_the_claude_code_runtime_when_spending_passes_it()
    {
        // A million input tokens a turn costs dollars at Sonnet's price; the budget is one cent.
        for (var i = 0; i < 4; i++)
        {
            _model.Enqueue(ScriptedReply.ToolUse(Tool("claude-code", "list_directory"), new { }).WithUsage(1_000_000, 10));
        }

        await using var kiln = StartKiln("claude-code", ("Kiln:Agent:MaxBudgetUsd", "0.01"));
        var projectId = await kiln.GenerateAsync("spend it all");

        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "failed");
        Assert.Contains("Kiln:Agent:MaxBudgetUsd", status.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cli_that_prints_garbage_fails_the_generation_with_the_line_in_the_error()
    {
        var directory = TempDirectory.Create("kiln-fake-cli");
        var fake = Path.Combine(directory, "claude");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\necho 'this is not json at all'\nsleep 5\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            await using var kiln = StartKilnWithCli(fake);
            var projectId = await kiln.GenerateAsync("anything");

            var status = await kiln.WaitForStatusAsync(projectId, Timeout, "failed");
            Assert.Contains("this is not json at all", status.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Empty(kiln.Log.Errors);
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    private KilnApp StartKilnWithCli(string cliPath) => KilnApp.Start(new Dictionary<string, string?>
    {
        ["Anthropic:ApiKey"] = "sk-test-scripted",
        ["Anthropic:BaseUrl"] = _model.BaseUrl,
        ["Kiln:Agent:Runtime"] = "claude-code",
        ["Kiln:Agent:ClaudePath"] = cliPath,
    });
}
