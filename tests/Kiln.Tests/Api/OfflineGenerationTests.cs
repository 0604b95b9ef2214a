using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Events;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Api;

/// <summary>What a person does first on a fresh machine: post a prompt with no API key and get a working app.</summary>
public sealed class OfflineGenerationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Prompt_streams_a_whole_generation_and_the_preview_serves_the_app()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("Build a todo app for my groceries");

        await using var events = kiln.Events(projectId);
        var received = await events.ReadUntilAsync(Timeout, "generation_completed", "error_occurred");

        var types = received.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("generation_completed", types[^1]);
        Assert.True(types.IndexOf("generation_started") < types.IndexOf("tool_executed"), string.Join(",", types));
        Assert.Contains("file_created", types);
        Assert.Contains("agent_message", types);
        Assert.Equal(Enumerable.Range(1, received.Count).Select(i => (long)i), received.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.All(received, e => Assert.Equal(projectId, e.GetProperty("projectId").GetString()));

        var status = await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        Assert.True(status.GetProperty("offlineModel").GetBoolean());
        var previewUrl = $"http://p-{projectId}.localhost:{kiln.BaseAddress.Port}/";
        Assert.Equal(previewUrl, status.GetProperty("previewUrl").GetString());
        Assert.True(status.GetProperty("usage").GetProperty("outputTokens").GetInt64() > 0);

        using var client = kiln.Client();
        var files = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/files");
        var paths = files.EnumerateArray().Select(f => f.GetProperty("path").GetString()).ToList();
        Assert.Contains("index.html", paths);
        Assert.All(files.EnumerateArray(), f => Assert.True(f.GetProperty("size").GetInt64() > 0));

        // The API's preview page frames the app, which is served on its own origin.
        using var frame = await client.GetAsync($"/api/projects/{projectId}/preview");
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
        Assert.Contains($"<iframe src=\"{previewUrl}\"", await frame.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var preview = await GetOnPreviewOriginAsync(client, projectId, "/");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("text/html", preview.Content.Headers.ContentType?.MediaType);
        var html = await preview.Content.ReadAsStringAsync();
        Assert.Contains("Groceries", html, StringComparison.OrdinalIgnoreCase);

        // Every asset the page links to is served too.
        foreach (var asset in paths.Where(p => p != "index.html"))
        {
            using var response = await GetOnPreviewOriginAsync(client, projectId, $"/{asset}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    /// <summary>A request to the project's preview origin: Kiln's port, with the preview host's name.</summary>
    private static async Task<HttpResponseMessage> GetOnPreviewOriginAsync(HttpClient client, string projectId, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = $"p-{projectId}.localhost:{client.BaseAddress!.Port}";
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Follow_up_changes_the_same_app_and_the_same_conversation()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("A counter app for push-ups");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        using var client = kiln.Client();
        var before = await client.GetStringAsync($"/api/projects/{projectId}/files/index.html");

        Assert.Equal(projectId, await kiln.GenerateAsync("Call it Push-up Tracker", projectId));
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        var after = await client.GetStringAsync($"/api/projects/{projectId}/files/index.html");
        Assert.NotEqual(before, after);
        Assert.Contains("Push-up Tracker", after);

        var project = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}");
        Assert.Equal(2, project.GetProperty("prompts").GetArrayLength());
        // lastSeq: the newest event when it answered, so at least the second generation's end and no more than what is stored now.
        var stored = await kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, CancellationToken.None).ToListAsync();
        Assert.InRange(project.GetProperty("lastSeq").GetInt64(), stored.Last(e => e.Type == "generation_completed").Seq, stored[^1].Seq);

        // The built-in runtime kept one conversation: both prompts are in it.
        var conversation = await File.ReadAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, ".claude-session", "conversation.json"));
        Assert.Contains("A counter app for push-ups", conversation);
        Assert.Contains("Call it Push-up Tracker", conversation);
    }

    [Fact]
    public async Task The_same_prompt_builds_the_same_app()
    {
        await using var kiln = KilnApp.Start();
        var first = await kiln.GenerateAsync("A calculator for my physics homework");
        var second = await kiln.GenerateAsync("A calculator for my physics homework");
        await kiln.WaitForStatusAsync(first, Timeout, "ready");
        await kiln.WaitForStatusAsync(second, Timeout, "ready");

        foreach (var file in Directory.GetFiles(Path.Combine(kiln.ProjectsRoot, first, "generated-app")))
        {
            var twin = Path.Combine(kiln.ProjectsRoot, second, "generated-app", Path.GetFileName(file));
            Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(twin));
        }
    }

    [Fact]
    public async Task Server_sent_events_carry_the_same_stream_for_curl_users()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("Notes app for recipes");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        using var client = kiln.Client();
        using var cancel = new CancellationTokenSource(Timeout);
        using var response = await client.GetAsync($"/api/projects/{projectId}/events?after=0", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        var seqs = new List<long>();
        string? type = null;
        while (type != "status_changed" || seqs.Count < 3)
        {
            var line = await reader.ReadLineAsync(cancel.Token) ?? throw new InvalidOperationException("The stream ended early.");
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = JsonDocument.Parse(line["data: ".Length..]).RootElement;
                seqs.Add(data.GetProperty("seq").GetInt64());
                if (type == "status_changed" && data.GetProperty("data").GetProperty("status").GetString() == "ready")
                {
                    break;
                }
            }
        }

        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
    }
}
