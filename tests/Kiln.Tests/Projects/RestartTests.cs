using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Projects;

/// <summary>No crash or restart loses a project's files, prompts or events, and none is left generating.</summary>
public sealed class RestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    [Slow]
    public async Task A_killed_process_leaves_its_generation_interrupted_with_files_and_events_intact()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>survives</h1>" }), ScriptedReply.Hanging);
        var root = TempDirectory.Create("kiln-restart");

        // Kiln as its own process, so it can die the way a process dies: SIGKILL, no shutdown code at all.
        string projectId;
        List<JsonElement> before;
        await using (var process = await KilnProcess.StartAsync(typeof(Program).Assembly.Location, new Dictionary<string, string>
        {
            ["Kiln:ProjectsRoot"] = root,
            ["Anthropic:ApiKey"] = "sk-test",
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
        }, TestContext.Current.CancellationToken))
        {
            using var client = process.Client();
            using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = "a page that survives" });
            projectId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projectId").GetString()!;
            await model.WaitForRequestAsync(r => r.ToolResults.Count > 0, new CancellationTokenSource(Timeout).Token);
            Assert.Equal("generating", (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status")).GetProperty("status").GetString());
            before = await ReadAllEventsAsync(client, projectId);
            await process.KillAsync();
        }

        await using var kiln = KilnApp.Start(projectsRoot: root);
        var status = await kiln.StatusAsync(projectId);
        Assert.Equal("interrupted", status.GetProperty("status").GetString());
        Assert.Contains("Send the prompt again", status.GetProperty("error").GetString(), StringComparison.Ordinal);

        using var again = kiln.Client();
        var project = await again.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}");
        Assert.Equal("a page that survives", project.GetProperty("prompts")[0].GetProperty("text").GetString());
        Assert.Equal("<h1>survives</h1>", await again.GetStringAsync($"/api/projects/{projectId}/files/index.html"));

        var after = await ReadAllEventsAsync(again, projectId);
        Assert.Equal(before.Select(e => e.GetRawText()), after.Take(before.Count).Select(e => e.GetRawText()));
        Assert.Equal(Enumerable.Range(1, after.Count).Select(i => (long)i), after.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal("interrupted", after[^1].GetProperty("data").GetProperty("status").GetString());

        // What it wrote before it died is a version, as every generation's end is.
        var version = Assert.Single((await again.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions")).EnumerateArray());
        Assert.Equal("interrupted", version.GetProperty("outcome").GetString());
        Assert.Equal("<h1>survives</h1>", await again.GetStringAsync($"/api/projects/{projectId}/versions/1/files/index.html"));
        Assert.Contains(after, e => e.GetProperty("type").GetString() == "version_created");

        // Kiln came back without the model's key: a follow-up that names no model is told so, and nothing is stored.
        using (var refused = await again.PostAsJsonAsync("/api/generate", new { prompt = "try again", projectId }, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Contains("ANTHROPIC_API_KEY", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(problem.GetProperty("errors").TryGetProperty("model", out _), problem.ToString());
        }

        Assert.Single((await again.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}", TestContext.Current.CancellationToken)).GetProperty("prompts").EnumerateArray());

        // And the project goes on with a model that can be used: a follow-up is accepted and runs.
        using (var followUp = await again.PostAsJsonAsync("/api/generate", new { prompt = "try again", projectId, model = "kiln-offline" }, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, followUp.StatusCode);
        }

        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
    }

    [Fact]
    public async Task A_graceful_stop_marks_the_running_generation_interrupted()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>half done</h1>" }), ScriptedReply.Hanging);
        var settings = new Dictionary<string, string?> { ["Anthropic:ApiKey"] = "sk-test", ["Anthropic:BaseUrl"] = model.BaseUrl, ["Kiln:Agent:Runtime"] = "builtin" };
        var root = TempDirectory.Create("kiln-stop");
        string projectId;
        await using (var kiln = KilnApp.Start(settings, root))
        {
            projectId = await kiln.GenerateAsync("stopped halfway");
            await model.WaitForRequestAsync(r => r.ToolResults.Count > 0, new CancellationTokenSource(Timeout).Token);
            // Leaving the block stops the host the way SIGTERM does; the next Kiln starts on what it left.
            kiln.KeepProjectsRoot = true;
        }

        await using var restarted = KilnApp.Start(projectsRoot: root);
        Assert.Equal("interrupted", (await restarted.StatusAsync(projectId)).GetProperty("status").GetString());
        using var client = restarted.Client();
        var events = await ReadAllEventsAsync(client, projectId);
        // Interrupted once, by the stopping process, not again by the next start.
        Assert.Single(events, e => e.GetProperty("type").GetString() == "status_changed" && e.GetProperty("data").GetProperty("status").GetString() == "interrupted");
        // What it wrote is a version with the outcome the run had.
        var version = Assert.Single((await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions")).EnumerateArray());
        Assert.Equal("interrupted", version.GetProperty("outcome").GetString());
        Assert.Equal("<h1>half done</h1>", await client.GetStringAsync($"/api/projects/{projectId}/versions/1/files/index.html"));
    }

    private static async Task<List<JsonElement>> ReadAllEventsAsync(HttpClient client, string projectId)
    {
        // The SSE stream stays open for live events; read what is stored, then stop at a quiet moment.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var events = new List<JsonElement>();
        try
        {
            using var response = await client.GetAsync($"/api/projects/{projectId}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            while (await reader.ReadLineAsync(cancel.Token) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events.Add(JsonDocument.Parse(line[6..]).RootElement.Clone());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return events;
    }
}
