using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Preview;
using static Kiln.Tests.Fleet.FleetProbe;

namespace Kiln.Tests.Fleet;

/// <summary>
/// The fence and the pid files with real processes: three Kiln instances on one Redis and one shared projects root
/// (behind nginx, as <see cref="FleetTests"/>), whose owner of a busy project is frozen with SIGSTOP while the cluster hands the
/// project to a survivor, then let go with SIGCONT.
/// </summary>
[Slow]
public sealed class FenceTests
{
    private const string StaleText = "written by the owner that was frozen";

    private const string EchoPackage = """{ "name": "echo", "private": true, "scripts": { "dev": "node server.mjs" } }""";

    private const string EchoServer = """
        import http from "node:http";
        http.createServer((request, response) => response.end("echo")).listen(Number(process.env.PORT), process.env.HOST);
        """;

    [Fact]
    public async Task An_owner_paused_past_a_takeover_writes_nothing_after_it_and_its_processes_are_killed()
    {
        var redis = await SharedRedis.GetAsync();
        Requires.Nginx();
        Requires.Pnpm();
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var model = await ScriptedModelServer.StartAsync();
        // The generation starts a dev server, then waits for its model's next answer until the frozen owner is let go.
        var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        model.Enqueue([.. DevServerTurns(), ScriptedReply.Text(StaleText).After(resumed.Task)]);
        // One shared projects root: the survivor serves the app's files, written after the last version (there is none).
        await using var fleet = await KilnFleet.StartAsync(KilnAssembly, 3, redis.Configuration, Settings(model), sharedDisk: true, cancellationToken: cancellationToken);
        KilnProcess? frozen = null;
        try
        {
            using var nginx = Client(fleet.Nginx.BaseAddress);
            var projectId = await GenerateAsync(nginx, "an app whose owner freezes");
            var app = await WaitForDevServerAsync(model, fleet, projectId);

            var (owner, ownerIndex) = await OwnerAsync(fleet, projectId);
            frozen = fleet.Instances[ownerIndex];
            using var survivor = Client(fleet.Instances[(ownerIndex + 1) % 3].BaseAddress);
            frozen.Pause();

            // A request through a survivor is served by a new owner once the cluster declares the frozen one dead.
            var paused = Stopwatch.StartNew();
            string? adopter = null;
            while (adopter is null && paused.Elapsed < TimeSpan.FromSeconds(30))
            {
                using var file = await survivor.GetAsync($"/api/projects/{projectId}/files/package.json", cancellationToken);
                adopter = file.StatusCode == HttpStatusCode.OK ? ServedBy(file) : null;
                await Task.Delay(adopter is null ? 100 : 0, cancellationToken);
            }

            Assert.True(paused.Elapsed < TimeSpan.FromSeconds(10), $"The project was served again {paused.Elapsed} after its owner froze.");
            Assert.NotNull(adopter);
            Assert.NotEqual(owner, adopter);

            // The new owner found the generation running in the store and ended it, and killed the frozen owner's dev
            // server, still running on this host, from the project's pid files: before the frozen one moved again.
            await WaitUntilAsync(async () => (await survivor.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", cancellationToken))
                .GetProperty("status").GetString() == "interrupted", WaitLimit, "the new owner marks the generation interrupted");
            await WaitUntilAsync(() => Task.FromResult(PreviewHarness.ProcessesIn(app).Count == 0), TimeSpan.FromSeconds(15), "the frozen owner's dev server is killed");
            var atTakeover = await StoredEventsAsync(redis.Configuration, fleet, projectId);
            Assert.Equal("status_changed", atTakeover[^1].Type);

            // Let go, the old owner carries on where it was: its generation gets the model's answer and records it, its
            // grain still thinks it owns the project. Every such write is refused, and it stops.
            frozen.Resume();
            resumed.SetResult();
            await WaitUntilAsync(
                () => Task.FromResult(frozen.HasExited || frozen.Output.Contains("refused by the fence", StringComparison.Ordinal)),
                WaitLimit, "the resumed owner gives the project up (or the cluster stops it)");
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);

            var events = await StoredEventsAsync(redis.Configuration, fleet, projectId);
            Assert.DoesNotContain(events, e => e.Data.GetRawText().Contains(StaleText, StringComparison.Ordinal));
            Assert.Equal(atTakeover.Select(e => (e.Seq, e.Type)), events.Select(e => (e.Seq, e.Type)));
            Assert.Equal("interrupted", (await survivor.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", cancellationToken))
                .GetProperty("status").GetString());
            await WaitUntilAsync(() => Task.FromResult(PreviewHarness.ProcessesIn(app).Count == 0), TimeSpan.FromSeconds(15), "nothing of the old owner runs");
            TestContext.Current.TestOutputHelper?.WriteLine(frozen.HasExited
                ? "The resumed owner exited (the cluster had declared it dead)."
                : "The resumed owner's writes were refused by the fence and it gave the project up.");
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{fleet.Output}", exception);
        }
        finally
        {
            if (frozen is { HasExited: false })
            {
                frozen.Resume();
            }
        }
    }

    [Fact]
    public async Task What_a_killed_owner_left_running_is_killed_by_the_instance_that_takes_its_project()
    {
        var redis = await SharedRedis.GetAsync();
        Requires.Nginx();
        Requires.Pnpm();
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue([.. DevServerTurns(), ScriptedReply.Hanging]);
        // Without bubblewrap, whose pid namespace dies with Kiln: the dev server's own children outlive a Kiln killed
        // outright, and the instances that keep running never start again to sweep them.
        // Each instance on its own disk, as a fleet runs by default: the pid files are the machine's, not a disk's.
        await using var fleet = await KilnFleet.StartAsync(
            KilnAssembly, 3, redis.Configuration, new Dictionary<string, string>(Settings(model)) { ["Kiln:Sandbox:Mode"] = "none" },
            cancellationToken: cancellationToken);
        try
        {
            using var nginx = Client(fleet.Nginx.BaseAddress);
            var projectId = await GenerateAsync(nginx, "an app whose owner is killed");
            var app = await WaitForDevServerAsync(model, fleet, projectId);
            var (killedOwner, ownerIndex) = await OwnerAsync(fleet, projectId);

            await fleet.Instances[ownerIndex].KillKilnOnlyAsync();
            var left = PreviewHarness.ProcessesIn(app);
            Assert.NotEmpty(left);

            // The next request for the project, through a survivor, activates it on a survivor (a disk without the app,
            // since it never reached a version), which kills what is left first.
            using var survivor = Client(fleet.Instances[(ownerIndex + 1) % 3].BaseAddress);
            await WaitUntilAsync(async () =>
            {
                using var status = await survivor.GetAsync($"/api/projects/{projectId}/status", cancellationToken);
                return status.IsSuccessStatusCode
                       && (await status.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("instance").GetString() is { } owner
                       && owner != killedOwner;
            }, TimeSpan.FromSeconds(30), "a survivor takes the project");
            await WaitUntilAsync(() => Task.FromResult(PreviewHarness.ProcessesIn(app).Count == 0), TimeSpan.FromSeconds(15), $"pids {string.Join(", ", left)} are killed");
            Assert.False(Directory.Exists(Path.Combine(fleet.PidFilesRoot, projectId)), "The killed processes' pid files are gone.");
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{fleet.Output}", exception);
        }
    }

    /// <summary>Writes a tiny Node dev server and starts it: a process of the project's owner, on this host.</summary>
    private static ScriptedReply[] DevServerTurns() =>
    [
        ScriptedReply.ToolUse("write_file", new { path = "package.json", content = EchoPackage }),
        ScriptedReply.ToolUse("write_file", new { path = "server.mjs", content = EchoServer }),
        ScriptedReply.ToolUse("create_directory", new { path = "node_modules" }),
        ScriptedReply.ToolUse("start_dev_server"),
    ];

    private static Dictionary<string, string> Settings(ScriptedModelServer model) => new()
    {
        ["Kiln:Auth:Token"] = Token,
        ["Anthropic:ApiKey"] = "sk-test",
        ["Anthropic:BaseUrl"] = model.BaseUrl,
        ["Kiln:Agent:Runtime"] = "builtin",
    };

    /// <summary>Waits until the agent has started the dev server and is on its next, slow turn; returns the app directory.</summary>
    private static async Task<string> WaitForDevServerAsync(ScriptedModelServer model, KilnFleet fleet, string projectId)
    {
        using var deadline = new CancellationTokenSource(WaitLimit);
        var request = await model.WaitForRequestAsync(r => r.ToolResults.Count == 4, deadline.Token);
        Assert.False(request.ToolResults[^1].IsError, request.ToolResults[^1].Text);
        var app = Path.Combine(fleet.ProjectDirectoryOf(projectId), ProjectWorkspace.AppDirectoryName);
        Assert.NotEmpty(PreviewHarness.ProcessesIn(app));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(fleet.PidFilesRoot, projectId)));
        return app;
    }
}
