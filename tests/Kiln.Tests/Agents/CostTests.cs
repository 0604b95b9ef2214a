using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Agents;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Agents;

/// <summary>What a prompt costs, and the cap that stops it: the built-in loop prices the usage the model reports.</summary>
public sealed class CostTests : IAsyncLifetime
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
            ["Kiln:Agent:Model"] = "claude-sonnet-4-5-20250929",
            ["Kiln:Agent:Runtime"] = "builtin",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return KilnApp.Start(all);
    }

    [Fact]
    public async Task A_prompt_reports_its_tokens_and_cost_on_the_status_the_prompt_and_generation_completed()
    {
        // Sonnet 4.5: $3 per million input tokens, $15 per million output tokens.
        _model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Hi</h1>" }).WithUsage(1_000, 100),
            ScriptedReply.Text("Built it.").WithUsage(2_000, 200));
        await using var kiln = StartKiln();

        var projectId = await kiln.GenerateAsync("a page");
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        Assert.Equal(0.0135m, status.GetProperty("costUsd").GetDecimal());
        Assert.Equal(3_000, status.GetProperty("usage").GetProperty("inputTokens").GetInt64());
        Assert.Equal(300, status.GetProperty("usage").GetProperty("outputTokens").GetInt64());
        Assert.Equal("claude-sonnet-4-5-20250929", status.GetProperty("model").GetString());

        using var client = kiln.Client();
        var project = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}", TestContext.Current.CancellationToken);
        var prompt = project.GetProperty("prompts")[0];
        Assert.Equal(0.0135m, prompt.GetProperty("costUsd").GetDecimal());
        Assert.Equal(3_000, prompt.GetProperty("usage").GetProperty("inputTokens").GetInt64());

        await using var events = kiln.Events(projectId);
        var completed = (await events.ReadUntilAsync(Timeout, "generation_completed"))[^1].GetProperty("data");
        Assert.Equal(0.0135m, completed.GetProperty("costUsd").GetDecimal());
        Assert.Equal("claude-sonnet-4-5-20250929", completed.GetProperty("model").GetString());
    }

    [Fact]
    public async Task A_cap_of_a_tenth_of_a_cent_stops_the_generation_after_the_request_that_reached_it()
    {
        // Each request costs $0.00075 (200 input, 10 output tokens at Sonnet's price): the second reaches $0.001.
        _model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>First</h1>" }).WithUsage(200, 10),
            ScriptedReply.ToolUse("write_file", new { path = "second.html", content = "<h1>Second</h1>" }).WithUsage(200, 10),
            ScriptedReply.Text("Never asked.").WithUsage(200, 10));
        await using var kiln = StartKiln(("Kiln:Agent:MaxBudgetUsd", "0.001"));

        var projectId = await kiln.GenerateAsync("spend it all");
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "failed");

        Assert.Equal(2, _model.ScriptedRequests.Count);
        var error = status.GetProperty("error").GetString()!;
        Assert.Contains("budget stopped", error, StringComparison.Ordinal);
        Assert.Contains("$0.0015 of its $0.001 limit", error, StringComparison.Ordinal);
        Assert.Equal(0.0015m, status.GetProperty("costUsd").GetDecimal());
        await using (var events = kiln.Events(projectId))
        {
            var failed = (await events.ReadUntilAsync(Timeout, "error_occurred"))[^1].GetProperty("data");
            Assert.Equal(0.0015m, failed.GetProperty("costUsd").GetDecimal());
            Assert.Equal(400, failed.GetProperty("usage").GetProperty("inputTokens").GetInt64());
        }

        // What the agent wrote before the cap is kept and committed; the call of the request that reached it never ran.
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        Assert.Equal("<h1>First</h1>", await File.ReadAllTextAsync(Path.Combine(app, "index.html"), TestContext.Current.CancellationToken));
        Assert.False(File.Exists(Path.Combine(app, "second.html")));
        using var client = kiln.Client();
        var versions = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", TestContext.Current.CancellationToken);
        var version = Assert.Single(versions.EnumerateArray());
        Assert.Equal("failed", version.GetProperty("outcome").GetString());
        Assert.Equal(1, version.GetProperty("filesChanged").GetInt32());
    }

    [Fact]
    public async Task A_request_s_max_budget_overrides_the_configured_one_and_a_bad_one_is_refused()
    {
        _model.Enqueue(
            ScriptedReply.ToolUse("list_directory", new { }).WithUsage(1_000, 10),
            ScriptedReply.Text("Never asked.").WithUsage(1_000, 10));
        await using var kiln = StartKiln(("Kiln:Agent:MaxBudgetUsd", "100"));
        using var client = kiln.Client();

        using var refused = await client.PostAsJsonAsync("/api/generate", new { prompt = "x", maxBudgetUsd = -1 }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("maxBudgetUsd", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        using var accepted = await client.PostAsJsonAsync("/api/generate", new { prompt = "cheap", maxBudgetUsd = 0.001m }, TestContext.Current.CancellationToken);
        var projectId = (await accepted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("projectId").GetString()!;
        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "failed");
        Assert.Single(_model.ScriptedRequests);
        Assert.Contains("budget stopped", status.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_price_table_knows_dated_ids_takes_configured_prices_and_leaves_unknown_models_unpriced()
    {
        var options = new ModelsOptions();
        options.Prices["my-model"] = ModelPrice.Of(1m, 2m, 0m, 0m);
        options.Prices["gpt-4.1-mini"] = ModelPrice.Of(9m, 9m, 9m, 9m);
        var prices = new ModelPrices(Options.Create(options));
        ModelEndpoint Hosted(string model) => new("openai", ModelApi.ChatCompletions, new Uri("https://api.example"), "k", model);
        var million = new TokenUsage(1_000_000, 1_000_000);

        Assert.Equal(18m, prices.For(Hosted("claude-sonnet-4-5-20250929"))!.CostOf(million));
        Assert.Equal(30m, prices.For(Hosted("claude-opus-4-5-20251101"))!.CostOf(million));
        Assert.Equal(90m, prices.For(Hosted("claude-opus-4-20250514"))!.CostOf(million));
        Assert.Equal(18m, prices.For(Hosted("gpt-4.1-mini-2025-04-14"))!.CostOf(million));
        Assert.Equal(3m, prices.For(Hosted("my-model"))!.CostOf(million));
        Assert.Null(prices.For(Hosted("mystery-model")));
        Assert.Equal(0m, prices.For(new ModelEndpoint("offline", ModelApi.Messages, new Uri("http://127.0.0.1:1"), "k", "kiln-offline"))!.CostOf(million));

        // Cached input is priced apart: 1M written at $3.75 and 1M read at $0.30 on Sonnet, 1M at full price $3.
        Assert.Equal(7.05m, prices.For(Hosted("claude-sonnet-4-5"))!.CostOf(new TokenUsage(3_000_000, 0, 1_000_000, 1_000_000)));
    }
}
