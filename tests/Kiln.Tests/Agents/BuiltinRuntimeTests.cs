using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Agents;

/// <summary>The built-in loop against a scripted Messages API: every reply is the test's.</summary>
public sealed class BuiltinRuntimeTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync() => _model = await ScriptedModelServer.StartAsync();

    public async ValueTask DisposeAsync() => await _model.DisposeAsync();

    private KilnApp StartKiln(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Anthropic:BaseUrl"] = _model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-scripted",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return KilnApp.Start(all);
    }

    [Fact]
    public async Task A_failing_tool_goes_back_to_the_model_which_recovers()
    {
        _model.Enqueue(
            ScriptedReply.Of(ScriptedContent.Text("Writing the page."), ScriptedContent.ToolUse("write_file", new { path = "../escape.html", content = "x" })),
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Recovered</h1>" }),
            ScriptedReply.ToolUse("no_such_tool", new { }),
            ScriptedReply.Text("Built it."));
        await using var kiln = StartKiln();

        var projectId = await kiln.GenerateAsync("a page");
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        var requests = _model.ScriptedRequests;
        Assert.Equal(4, requests.Count);
        Assert.Equal("claude-scripted", requests[0].Model);
        Assert.Contains("write_file", requests[0].ToolNames);
        Assert.Equal(["a page"], requests[0].UserTexts);
        var refused = Assert.Single(requests[1].ToolResults);
        Assert.True(refused.IsError);
        Assert.Contains("'..' is not allowed", refused.Text, StringComparison.Ordinal);
        Assert.False(requests[2].ToolResults[^1].IsError);
        var unknown = requests[3].ToolResults[^1];
        Assert.True(unknown.IsError);
        Assert.Contains("write_file", unknown.Text, StringComparison.Ordinal);

        Assert.Equal("<h1>Recovered</h1>", await File.ReadAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "index.html")));
        Assert.False(File.Exists(Path.Combine(kiln.ProjectsRoot, projectId, "escape.html")));
        Assert.Equal(40, status.GetProperty("usage").GetProperty("inputTokens").GetInt64());
        Assert.False(status.GetProperty("offlineModel").GetBoolean());

        await using var events = kiln.Events(projectId);
        var received = await events.ReadUntilAsync(Timeout, "generation_completed");
        var tools = received.Where(e => e.GetProperty("type").GetString() == "tool_executed").Select(e => e.GetProperty("data")).ToList();
        Assert.Equal([false, true], tools.Select(t => t.GetProperty("ok").GetBoolean()));
        Assert.Contains(received, e => e.GetProperty("type").GetString() == "agent_message" && e.GetProperty("data").GetProperty("text").GetString() == "Built it.");
        var completed = received[^1].GetProperty("data");
        Assert.Equal(4, completed.GetProperty("turns").GetInt32());
        Assert.Equal("Built it.", completed.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task The_turn_limit_stops_a_model_that_never_finishes()
    {
        await using var kiln = StartKiln(("Kiln:Agent:MaxTurns", "3"));
        for (var i = 0; i < 5; i++)
        {
            _model.Enqueue(ScriptedReply.ToolUse("list_directory", new { }));
        }

        var projectId = await kiln.GenerateAsync("loop forever");
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "failed");

        Assert.Contains("after 3 turns", status.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, _model.ScriptedRequests.Count);
        Assert.Empty(kiln.Log.Errors);
    }

    [Fact]
    public async Task Cancel_mid_stream_stops_the_generation_and_keeps_the_files()
    {
        _model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<p>kept</p>" }), ScriptedReply.Hanging);
        await using var kiln = StartKiln();
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
        Assert.Equal(["something slow", "carry on"], resumed.UserTexts);
    }

    [Fact]
    public async Task A_follow_up_sends_the_earlier_conversation()
    {
        _model.Enqueue(ScriptedReply.Text("First answer."), ScriptedReply.Text("Second answer."));
        await using var kiln = StartKiln();
        var projectId = await kiln.GenerateAsync("first prompt");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await kiln.GenerateAsync("second prompt", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        var second = _model.ScriptedRequests[^1];
        Assert.Equal(["first prompt", "second prompt"], second.UserTexts);
        Assert.Equal(["First answer."], second.AssistantTexts);
    }

    [Fact]
    public async Task A_model_api_error_fails_the_generation_with_its_message()
    {
        _model.Enqueue(ScriptedReply.PromptTooLong());
        await using var kiln = StartKiln();
        var projectId = await kiln.GenerateAsync("anything");

        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "failed");
        Assert.Contains("prompt is too long", status.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(kiln.Log.Errors);
    }

    [Fact]
    public async Task Generations_beyond_the_limit_wait_in_order_and_a_busy_project_refuses_a_follow_up()
    {
        _model.Enqueue(ScriptedReply.Hanging, ScriptedReply.Text("second done"), ScriptedReply.Text("third done"));
        await using var kiln = StartKiln(("Kiln:Agent:MaxConcurrentGenerations", "1"));
        var first = await kiln.GenerateAsync("first");
        await _model.WaitForRequestAsync(r => r.UserTexts.Contains("first"), new CancellationTokenSource(Timeout).Token);
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
        Assert.Equal(["first", "second", "third"], _model.ScriptedRequests.Select(r => r.UserTexts[0]));
    }

    [Fact]
    public async Task Cancelling_a_queued_generation_means_it_never_runs()
    {
        _model.Enqueue(ScriptedReply.Hanging);
        await using var kiln = StartKiln(("Kiln:Agent:MaxConcurrentGenerations", "1"));
        var first = await kiln.GenerateAsync("first");
        await _model.WaitForRequestAsync(r => r.UserTexts.Contains("first"), new CancellationTokenSource(Timeout).Token);
        var queued = await kiln.GenerateAsync("never runs");

        using var client = kiln.Client();
        using var cancelQueued = await client.PostAsync($"/api/projects/{queued}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelQueued.StatusCode);
        using var cancelFirst = await client.PostAsync($"/api/projects/{first}/cancel", null);
        await kiln.WaitForStatusAsync(first, Timeout, "cancelled");

        Assert.Equal("cancelled", (await kiln.StatusAsync(queued)).GetProperty("status").GetString());
        Assert.DoesNotContain(_model.ScriptedRequests, r => r.UserTexts.Contains("never runs"));
    }

    [Fact]
    public async Task Deleting_a_generating_project_stops_it_and_removes_everything()
    {
        _model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "a.txt", content = "a" }), ScriptedReply.Hanging);
        await using var kiln = StartKiln();
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
}
