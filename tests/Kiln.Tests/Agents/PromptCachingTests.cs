using System.Text.Json.Nodes;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Agents;

/// <summary>
/// The built-in runtime marks Anthropic's prompt-cache breakpoints, and the usage the API then reports (cache writes
/// and reads, simulated by the scripted server as Anthropic documents them) is what the prompt costs.
/// </summary>
public sealed class PromptCachingTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        _model = await ScriptedModelServer.StartAsync(Script);
        _model.PromptCache = new PromptCacheSimulator();
    }

    public async ValueTask DisposeAsync() => await _model.DisposeAsync();

    // Four files, one a turn, then a summary.
    private static ScriptedReply Script(ScriptedRequest request) => request.ToolResults.Count < 4
        ? ScriptedReply.ToolUse("write_file", new { path = $"page{request.ToolResults.Count}.html", content = new string('x', 2_000) })
        : ScriptedReply.Text("Built it.");

    private KilnApp StartKiln(bool caching) => KilnApp.Start(new Dictionary<string, string?>
    {
        ["Anthropic:ApiKey"] = "sk-test-scripted",
        ["Anthropic:BaseUrl"] = _model.BaseUrl,
        ["Kiln:Agent:Model"] = "claude-sonnet-4-5",
        ["Kiln:Agent:Runtime"] = "builtin",
        ["Kiln:Agent:PromptCaching"] = caching ? "true" : "false",
    });

    private static JsonNode? Marker(JsonNode? block) => block?["cache_control"];

    [Fact]
    public async Task Every_request_marks_the_tools_the_system_prompt_and_the_newest_message_and_later_turns_read_the_cache()
    {
        await using var kiln = StartKiln(caching: true);
        var projectId = await kiln.GenerateAsync("four pages");
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        var requests = _model.ScriptedRequests;
        Assert.Equal(5, requests.Count);
        foreach (var request in requests)
        {
            var body = request.Body;
            Assert.Equal("ephemeral", Marker(body["tools"]!.AsArray()[^1])?["type"]?.GetValue<string>());
            Assert.Equal("ephemeral", Marker(body["system"]!.AsArray()[^1])?["type"]?.GetValue<string>());
            Assert.Equal("ephemeral", Marker(body["messages"]!.AsArray()[^1]!["content"]!.AsArray()[^1])?["type"]?.GetValue<string>());
            // Three breakpoints and no more (the API takes four at most), and no empty marker anywhere else.
            Assert.Equal(3, CountOccurrences(body.ToJsonString(), "\"cache_control\""));
        }

        // From the second turn on, everything before the newest message comes from the cache.
        var usage = status.GetProperty("usage");
        var input = usage.GetProperty("inputTokens").GetInt64();
        var read = usage.GetProperty("cacheReadTokens").GetInt64();
        var written = usage.GetProperty("cacheWriteTokens").GetInt64();
        Assert.True(read > input / 2, usage.ToString());
        Assert.True(written > 0, usage.ToString());
        var uncachedCost = (input * 3m + usage.GetProperty("outputTokens").GetInt64() * 15m) / 1_000_000m;
        Assert.True(status.GetProperty("costUsd").GetDecimal() < uncachedCost * 0.6m, $"{status.GetProperty("costUsd")} vs {uncachedCost} uncached");
    }

    [Fact]
    public async Task With_caching_off_no_request_carries_a_breakpoint_and_every_input_token_is_full_price()
    {
        await using var kiln = StartKiln(caching: false);
        var projectId = await kiln.GenerateAsync("four pages");
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        Assert.All(_model.ScriptedRequests, request => Assert.DoesNotContain("cache_control", request.Body.ToJsonString(), StringComparison.Ordinal));
        Assert.Equal(0, status.GetProperty("usage").GetProperty("cacheReadTokens").GetInt64());
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
