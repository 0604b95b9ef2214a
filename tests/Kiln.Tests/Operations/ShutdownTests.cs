using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Preview;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Operations;

/// <summary>
/// SIGTERM to a real Kiln process: it stops taking generations (503 with Retry-After, /readyz unhealthy), lets the
/// running one finish within Kiln:ShutdownTimeout or marks it interrupted past it, stops its dev servers and exits.
/// </summary>
[Slow]
public sealed class ShutdownTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const string EchoPackage = """{ "name": "echo", "private": true, "scripts": { "dev": "node server.mjs" } }""";

    private const string EchoServer = """
        import http from "node:http";
        http.createServer((request, response) => response.end("echo")).listen(Number(process.env.PORT), process.env.HOST);
        """;

    [Fact]
    public async Task On_SIGTERM_new_generations_get_503_and_the_running_one_finishes_within_the_timeout()
    {
        Requires.Pnpm();
        await using var model = await ScriptedModelServer.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        model.Enqueue([.. DevServerTurns(), ScriptedReply.Text("Built it.").After(release.Task)]);
        var root = TempDirectory.Create("kiln-drain");
        try
        {
            await using var kiln = await KilnProcess.StartAsync(typeof(Program).Assembly.Location, Settings(root, model, shutdownTimeout: "00:02:00"), TestContext.Current.CancellationToken);
            using var client = kiln.Client();
            var projectId = await GenerateAsync(client, "a slow app");
            var app = await WaitForDevServerAsync(model, root, projectId);
            await using var watcher = await new EventSubscriber(new Uri(kiln.BaseAddress, $"/ws/{projectId}?after=0")).ConnectAsync();

            kiln.Terminate();

            // Draining: not ready, and a new prompt or a follow-up is refused with a time to come back.
            var readiness = await WaitUntilNotReadyAsync(client);
            Assert.Contains(readiness.GetProperty("checks").EnumerateArray(), check =>
                check.GetProperty("name").GetString() == "draining" && check.GetProperty("status").GetString() == "unhealthy");
            foreach (var body in new object[] { new { prompt = "another app" }, new { prompt = "a follow-up", projectId } })
            {
                using var refused = await client.PostAsJsonAsync("/api/generate", body);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(10), refused.Headers.RetryAfter?.Delta);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.Equal("Kiln is stopping", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
            }

            // The running generation is still allowed to finish, and a client watching it sees it finish; then Kiln
            // exits by itself, closing the stream as it goes.
            release.SetResult();
            await watcher.ReadUntilAsync(Timeout, "generation_completed");
            await kiln.WaitForExitAsync(Timeout);
            using (var closing = new CancellationTokenSource(Timeout))
            {
                while (await watcher.NextAsync(closing.Token) is not null)
                {
                }
            }

            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, watcher.Socket.CloseStatus);
            Assert.True(kiln.ExitCode == 0, kiln.Output);

            var (project, events) = await ReadStoredAsync(root, projectId);
            Assert.Equal(ProjectStatus.Ready, project.Status);
            Assert.Contains(events, e => e.Type == "generation_completed");
            Assert.Single(await ReadProjectsAsync(root));
            Assert.Empty(PreviewHarness.ProcessesIn(app));
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }

    [Fact]
    public async Task Past_the_timeout_the_running_and_the_queued_generations_are_interrupted_and_Kiln_exits()
    {
        Requires.Pnpm();
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue([.. DevServerTurns(), ScriptedReply.Hanging]);
        var root = TempDirectory.Create("kiln-drain");
        try
        {
            await using var kiln = await KilnProcess.StartAsync(typeof(Program).Assembly.Location, Settings(root, model, shutdownTimeout: "00:00:01"), TestContext.Current.CancellationToken);
            using var client = kiln.Client();
            var running = await GenerateAsync(client, "a slow app");
            var app = await WaitForDevServerAsync(model, root, running);
            // One generation at a time, so this one waits in the queue.
            var queued = await GenerateAsync(client, "an app that never starts");
            Assert.Equal("queued", (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{queued}/status")).GetProperty("status").GetString());

            kiln.Terminate();
            await kiln.WaitForExitAsync(Timeout);
            Assert.True(kiln.ExitCode == 0, kiln.Output);
            Assert.Contains("did not finish within", kiln.Output, StringComparison.Ordinal);

            var (interrupted, events) = await ReadStoredAsync(root, running);
            Assert.Equal(ProjectStatus.Interrupted, interrupted.Status);
            Assert.Contains("while this generation was running", interrupted.Error, StringComparison.Ordinal);
            Assert.Equal("status_changed", events[^1].Type);
            Assert.Single(events, e => e.Type == "status_changed" && e.Data.GetProperty("status").GetString() == "interrupted");

            var (neverStarted, queuedEvents) = await ReadStoredAsync(root, queued);
            Assert.Equal(ProjectStatus.Interrupted, neverStarted.Status);
            Assert.Contains("before this generation started", neverStarted.Error, StringComparison.Ordinal);
            Assert.Contains(queuedEvents, e => e.Type == "error_occurred");
            Assert.DoesNotContain(queuedEvents, e => e.Type == "generation_started");

            Assert.Empty(PreviewHarness.ProcessesIn(app));
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }

    /// <summary>Writes a tiny Node dev server and starts it, so there is a process that must not outlive Kiln.</summary>
    private static ScriptedReply[] DevServerTurns() =>
    [
        ScriptedReply.ToolUse("write_file", new { path = "package.json", content = EchoPackage }),
        ScriptedReply.ToolUse("write_file", new { path = "server.mjs", content = EchoServer }),
        ScriptedReply.ToolUse("create_directory", new { path = "node_modules" }),
        ScriptedReply.ToolUse("start_dev_server"),
    ];

    private static Dictionary<string, string> Settings(string root, ScriptedModelServer model, string shutdownTimeout) => new()
    {
        ["Kiln:ProjectsRoot"] = root,
        ["Anthropic:ApiKey"] = "sk-test",
        ["Anthropic:BaseUrl"] = model.BaseUrl,
        ["Kiln:Agent:Runtime"] = "builtin",
        ["Kiln:Agent:MaxConcurrentGenerations"] = "1",
        ["Kiln:ShutdownTimeout"] = shutdownTimeout,
        ["Logging:Console:FormatterName"] = "simple",
    };

    private static async Task<string> GenerateAsync(HttpClient client, string prompt)
    {
        using var response = await client.PostAsJsonAsync("/api/generate", new { prompt });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projectId").GetString()!;
    }

    /// <summary>Waits until the agent has started the dev server and is on its last, slow turn; returns the app directory.</summary>
    private static async Task<string> WaitForDevServerAsync(ScriptedModelServer model, string root, string projectId)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        var request = await model.WaitForRequestAsync(r => r.ToolResults.Count == 4, deadline.Token);
        Assert.False(request.ToolResults[^1].IsError, request.ToolResults[^1].Text);
        var app = Path.Combine(root, projectId, ProjectWorkspace.AppDirectoryName);
        Assert.NotEmpty(PreviewHarness.ProcessesIn(app));
        return app;
    }

    private static async Task<JsonElement> WaitUntilNotReadyAsync(HttpClient client)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (true)
        {
            using var response = await client.GetAsync("/readyz", deadline.Token);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>(deadline.Token);
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>What the stopped Kiln left in its store, read directly: no new Kiln start (and its recovery) in between.</summary>
    private static async Task<(Project Project, List<ProjectEvent> Events)> ReadStoredAsync(string root, string projectId)
    {
        var database = new SqliteDatabase(new ProjectWorkspace(Options.Create(new ProjectsOptions { ProjectsRoot = root })));
        var project = await new SqliteProjectStore(database, new ProjectFence()).GetAsync(projectId, CancellationToken.None);
        Assert.NotNull(project);
        var events = new List<ProjectEvent>();
        await foreach (var stored in new SqliteEventStore(database, new ProjectFence()).ReadAsync(projectId, 0, CancellationToken.None))
        {
            events.Add(stored);
        }

        return (project, events);
    }

    private static Task<IReadOnlyList<Project>> ReadProjectsAsync(string root) =>
        new SqliteProjectStore(new SqliteDatabase(new ProjectWorkspace(Options.Create(new ProjectsOptions { ProjectsRoot = root }))), new ProjectFence()).ListAsync(CancellationToken.None);
}
