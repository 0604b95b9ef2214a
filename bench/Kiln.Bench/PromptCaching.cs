using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;

namespace Kiln.Bench;

/// <summary>
/// What prompt caching saves on the built-in runtime with Claude: one 30-turn scripted build (29 files written, one a
/// turn, then a summary) with Kiln's cache breakpoints against the same build with them off, each against a scripted
/// Messages API that bills the way Anthropic's prompt cache does (<see cref="PromptCacheSimulator"/>). Reported: input
/// tokens billed at full price, and all input in full-price tokens (a cache write costs 1.25 of them, a read 0.1).
/// </summary>
public static class PromptCaching
{
    public const int Turns = 30;

    public sealed record Result(string Name, long Candidate, long Baseline, string Target)
    {
        public double Ratio => Baseline == 0 ? double.NaN : (double)Candidate / Baseline;

        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"{Name,-52} turns={Turns,-3} candidate {Candidate,9} tok   baseline {Baseline,9} tok   ratio {Ratio,5:F3}   target {Target}");
    }

    public static async Task<IReadOnlyList<Result>> RunAsync()
    {
        var cached = await BuildAsync(caching: true);
        var uncached = await BuildAsync(caching: false);
        return
        [
            new("input tokens billed at full price: cached vs not", cached.FullPriceInputTokens, uncached.FullPriceInputTokens, "<= 0.15"),
            new("input in full-price tokens (writes 1.25, reads 0.1)", Weighted(cached), Weighted(uncached), "report"),
        ];
    }

    private static long Weighted(Usage usage) =>
        (long)Math.Round(usage.FullPriceInputTokens + 1.25 * usage.CacheWriteTokens + 0.1 * usage.CacheReadTokens);

    private sealed record Usage(long InputTokens, long CacheWriteTokens, long CacheReadTokens)
    {
        public long FullPriceInputTokens => InputTokens - CacheWriteTokens - CacheReadTokens;
    }

    private static async Task<Usage> BuildAsync(bool caching)
    {
        await using var model = await ScriptedModelServer.StartAsync(Script);
        model.PromptCache = new PromptCacheSimulator();
        await using var kiln = await KilnProcess.StartAsync(new Dictionary<string, string>
        {
            ["Anthropic:ApiKey"] = "sk-bench",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Kiln:Agent:Model"] = "claude-sonnet-4-5",
            ["Kiln:Agent:PromptCaching"] = caching ? "true" : "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        });

        using var client = new HttpClient { BaseAddress = kiln.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = "a recipe book with 29 pages" });
        var projectId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projectId").GetString();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        while (true)
        {
            var status = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", deadline.Token);
            switch (status.GetProperty("status").GetString())
            {
                case "ready":
                    var usage = status.GetProperty("usage");
                    return new Usage(usage.GetProperty("inputTokens").GetInt64(), usage.GetProperty("cacheWriteTokens").GetInt64(), usage.GetProperty("cacheReadTokens").GetInt64());
                case "failed" or "cancelled" or "interrupted":
                    throw new InvalidOperationException($"The scripted build did not finish: {status}");
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    /// <summary>One file a turn, each a page of a few hundred words as an agent would write it, then a summary.</summary>
    private static ScriptedReply Script(ScriptedRequest request)
    {
        var step = request.ToolResults.Count;
        if (step >= Turns - 1)
        {
            return ScriptedReply.Text($"Built the recipe book: {Turns - 1} pages.");
        }

        var content = string.Join('\n', Enumerable.Range(0, 40).Select(line =>
            $"  <p className=\"text-sm text-neutral-700\">Recipe {step}, step {line}: whisk, fold and rest the batter.</p>"));
        return ScriptedReply.Of(
            ScriptedContent.Text($"Writing page {step}."),
            ScriptedContent.ToolUse("write_file", new { path = $"src/pages/Recipe{step}.tsx", content = $"export default function Recipe{step}() {{\n  return (<main>\n{content}\n  </main>);\n}}\n" }))
            with { OutputTokens = 900 };
    }
}
