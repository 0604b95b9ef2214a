using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;

namespace Kiln.Bench;

/// <summary>
/// The same scripted generation (three write_file calls, then a summary) on the claude-code runtime
/// (the real CLI) against the built-in loop: time from POST /api/generate to the first tool_executed event,
/// and to the end of the generation.
/// </summary>
public static class RuntimeOverhead
{
    private const int Steps = 3;

    public static async Task<IReadOnlyList<Measurement.Result>> RunAsync(int samples)
    {
        await using var model = await ScriptedModelServer.StartAsync(Script);
        await using var claude = await StartAsync(model, "claude-code");
        await using var builtin = await StartAsync(model, "builtin");

        const int Warmup = 1;
        var firstTool = new Dictionary<string, List<TimeSpan>> { ["claude-code"] = [], ["builtin"] = [] };
        var total = await Measurement.CompareAsync(
            "generation end to end: claude-code vs builtin",
            samples,
            async () => firstTool["claude-code"].Add(await GenerateAsync(claude)),
            async () => firstTool["builtin"].Add(await GenerateAsync(builtin)),
            target: "report",
            warmup: Warmup);

        // CompareAsync runs each side Warmup times before it measures; those cold runs are not samples.
        var first = new Measurement.Result(
            "POST to first tool_executed: claude-code vs builtin", samples, Median(firstTool["claude-code"][Warmup..]), Median(firstTool["builtin"][Warmup..]), "report");
        return [first, total];
    }

    /// <summary>Writes Steps files, one per turn, then ends; the write tool's name is whatever the runtime offers.</summary>
    private static ScriptedReply Script(ScriptedRequest request)
    {
        var write = request.ToolNames.First(name => name.EndsWith("write_file", StringComparison.Ordinal));
        var step = request.ToolResults.Count;
        return step < Steps
            ? ScriptedReply.ToolUse(write, new { path = $"file{step}.html", content = $"<p>{step}</p>" })
            : ScriptedReply.Text("Done.");
    }

    private static Task<KilnProcess> StartAsync(ScriptedModelServer model, string runtime) => KilnProcess.StartAsync(new Dictionary<string, string>
    {
        ["Anthropic:ApiKey"] = "sk-bench",
        ["Anthropic:BaseUrl"] = model.BaseUrl,
        ["Kiln:Agent:Runtime"] = runtime,
        ["Kiln:Agent:Model"] = "claude-sonnet-4-5",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
    });

    /// <summary>Runs one generation; returns the time to its first tool_executed event.</summary>
    private static async Task<TimeSpan> GenerateAsync(KilnProcess kiln)
    {
        using var client = new HttpClient { BaseAddress = kiln.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var started = Stopwatch.GetTimestamp();
        using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = "three files" });
        var projectId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projectId").GetString();

        TimeSpan? firstTool = null;
        using var stream = await client.GetStreamAsync($"/api/projects/{projectId}/events");
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line == "event: tool_executed")
            {
                firstTool ??= Stopwatch.GetElapsedTime(started);
            }
            else if (line is "event: generation_completed" or "event: error_occurred")
            {
                return line == "event: error_occurred"
                    ? throw new InvalidOperationException($"The generation on {kiln.BaseAddress} failed.")
                    : firstTool ?? throw new InvalidOperationException("No tool ran.");
            }
        }

        throw new InvalidOperationException("The event stream ended early.");
    }

    private static TimeSpan Median(List<TimeSpan> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
