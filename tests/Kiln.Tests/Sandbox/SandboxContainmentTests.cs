using System.Diagnostics;
using Kiln.Sandbox;
using Kiln.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kiln.Tests.Sandbox;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavySandboxTests
{
    public const string Name = "Heavy sandbox";
}

/// <summary>
/// Processes that try to outlive, outgrow or outtalk their command: each must be killed or capped,
/// quickly, with nothing left running and nothing outside the project changed. Run alone, because
/// a fork bomb on a two-core machine would slow every other test down.
/// </summary>
[Collection(HeavySandboxTests.Name)]
[Slow]
public sealed class SandboxContainmentTests : IAsyncLifetime
{
    private readonly AppWorkspace _workspace = new();
    private readonly SandboxedProcessRunner _runner = Sandboxes.Runner();

    public async ValueTask InitializeAsync()
    {
        await _runner.RequireBubblewrapAsync();
        Requires.Node();
    }

    public async ValueTask DisposeAsync()
    {
        await _runner.DisposeAsync();
        _workspace.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Kiln runs as root here, so RLIMIT_NPROC does not apply (the kernel exempts uid 0, and the
    /// user namespace maps back to it). What stops the bomb is its cgroup's process limit where Kiln can make cgroups
    /// (ResourceLimitTests), else the wall-clock timeout; either way the pid namespace keeps it inside, and the kernel
    /// kills the whole namespace once its init dies.
    /// </summary>
    [Fact]
    public async Task Fork_bomb_is_contained_and_killed()
    {
        var token = Guid.NewGuid().ToString("N");
        _workspace.Write("bomb.js", """
            const { spawn } = require('child_process');
            require('fs').appendFileSync('spawned.txt', '.');
            const again = () => { try { spawn(process.execPath, [__filename, process.argv[2]], { stdio: 'ignore', detached: true }).unref(); } catch {} };
            again(); again();
            setInterval(again, 20);
            """);
        var clock = Stopwatch.StartNew();

        var result = await _runner.RunAsync(
            Sandboxes.Spec(_workspace, "node", "bomb.js", token) with { Timeout = TimeSpan.FromSeconds(2) }, null, Ct);

        Assert.True(result.TimedOut || result.ProcessLimitReached, result.Output);
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(File.ReadAllText(_workspace.InApp("spawned.txt")).Length > 3, "the bomb never multiplied");
        Assert.Empty(Sandboxes.ProcessesWith(token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        _workspace.AssertOutsideUntouched();
    }

    /// <summary>
    /// prlimit sets RLIMIT_NPROC on every command, but the kernel skips the check for a process whose real user is
    /// root (and for CAP_SYS_ADMIN or CAP_SYS_RESOURCE in the initial namespace). Inside bubblewrap the command is
    /// uid 1000 of a user namespace that maps it back to Kiln's own uid, so when Kiln runs as root (a container,
    /// this test machine) the limit is set but not enforced; as an ordinary user it is, and fork fails with EAGAIN.
    /// </summary>
    [Fact]
    public async Task Max_processes_is_set_on_every_command_and_enforced_by_a_cgroup_or_unless_kiln_runs_as_root()
    {
        await using var runner = Sandboxes.Runner(configure: o => o.MaxProcesses = 10);
        _workspace.Write("spawn.js", """
            const { spawn } = require('child_process');
            const children = [];
            let failed = 0, code = '';
            for (let i = 0; i < 40; i++) {
              const child = spawn('sleep', ['5'], { stdio: 'ignore' });
              child.on('error', e => { failed++; code = e.code; });
              children.push(child);
            }
            setTimeout(() => {
              console.log(`spawned ${children.filter(c => c.pid).length} failed ${failed} ${code}`);
              children.forEach(c => c.kill());
            }, 500);
            """);

        var limits = await runner.RunAsync(Sandboxes.Spec(_workspace, "cat", "/proc/self/limits"), null, Ct);
        var spawn = await runner.RunAsync(Sandboxes.Spec(_workspace, "node", "spawn.js"), null, Ct);
        var status = await runner.GetStatusAsync(Ct);

        Assert.Matches(@"Max processes\s+10\s+10\s+processes", limits.Output);
        if (status.ControlGroups)
        {
            // The cgroup counts node's own threads too, and stops the command at the first refused fork.
            Assert.True(spawn.ProcessLimitReached, spawn.Output);
        }
        else if (Environment.IsPrivilegedProcess)
        {
            Assert.Equal(0, spawn.ExitCode);
            // Not enforced: what bounds a fork bomb here is the pid namespace and the timeout (the test above).
            Assert.Equal("spawned 40 failed 0 \n", spawn.Output);
        }
        else
        {
            Assert.Equal(0, spawn.ExitCode);
            Assert.Matches(@"^spawned \d failed [1-9]\d* EAGAIN\n$", spawn.Output);
        }

        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Infinite_loop_is_killed_at_the_timeout()
    {
        _workspace.Write("loop.js", "for (;;) {}");
        var clock = Stopwatch.StartNew();

        var result = await _runner.RunAsync(
            Sandboxes.Spec(_workspace, "node", "loop.js") with { Timeout = TimeSpan.FromSeconds(1) }, null, Ct);

        Assert.True(result.TimedOut);
        Assert.False(result.Cancelled);
        Assert.Equal(137, result.ExitCode);
        Assert.InRange(result.Duration, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4));
        _workspace.AssertOutsideUntouched();
    }

    [Theory]
    [InlineData(SandboxMode.Bwrap)]
    // Without bubblewrap there is no pid namespace: the daemon has left the process group, and is still killed.
    [InlineData(SandboxMode.None)]
    public async Task A_daemon_that_double_forks_is_killed_when_its_command_exits(SandboxMode mode)
    {
        await using var runner = Sandboxes.Runner(mode);
        var token = Guid.NewGuid().ToString("N");
        WriteDaemonScripts();
        var daemonPids = new List<int>();

        var result = await runner.RunAsync(
            Sandboxes.Spec(_workspace, "node", "parent.js", token),
            (line, _) =>
            {
                if (line == "ready")
                {
                    daemonPids.AddRange(Sandboxes.ProcessesWith(token + " grandchild"));
                }

                return ValueTask.CompletedTask;
            },
            Ct);

        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(_workspace.InApp("daemon-started")));
        var pid = Assert.Single(daemonPids);
        Assert.False(Sandboxes.IsAlive(pid), $"daemon pid {pid} survived its command");
        Assert.Empty(Sandboxes.ProcessesWith(token));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Output_of_100_MB_is_capped_and_drained_quickly()
    {
        _workspace.Write("flood.js", """
            const chunk = ('x'.repeat(1023) + '\n').repeat(1024);
            let left = 100;
            (function write() {
              while (left > 0) { left--; if (!process.stdout.write(chunk)) { process.stdout.once('drain', write); return; } }
            })();
            """);
        var streamed = 0L;
        var clock = Stopwatch.StartNew();

        var result = await _runner.RunAsync(
            Sandboxes.Spec(_workspace, "node", "flood.js"),
            (line, _) => { streamed += line.Length + 1; return ValueTask.CompletedTask; },
            Ct);

        Assert.Equal(0, result.ExitCode);
        Assert.True(result.OutputTruncated);
        Assert.False(result.TimedOut);
        Assert.InRange(result.Output.Length, 1_000_000, (1 << 20) + 200);
        Assert.Contains("more bytes were dropped", result.Output);
        Assert.InRange(streamed, 1_000_000, (1 << 20) + 200);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task One_endless_line_is_cut_and_capped()
    {
        await using var runner = Sandboxes.Runner(configure: o => o.MaxOutputBytes = 64 * 1024);
        _workspace.Write("line.js", "process.stdout.write('y'.repeat(20 * 1024 * 1024));");

        var result = await runner.RunAsync(Sandboxes.Spec(_workspace, "node", "line.js"), null, Ct);

        Assert.True(result.OutputTruncated);
        Assert.True(result.Output.Length <= (64 * 1024) + 200);
        Assert.All(result.Output.Split('\n').SkipLast(2), l => Assert.True(l.Length <= 16 * 1024));
    }

    [Fact]
    public async Task Cancellation_kills_the_whole_tree()
    {
        var token = Sandboxes.SleepToken();
        _workspace.Write("tree.js", """
            const { spawn } = require('child_process');
            spawn('sleep', [process.argv[2]], { stdio: 'ignore', detached: true });
            spawn('sleep', [process.argv[2]], { stdio: 'ignore' });
            console.log('ready');
            setInterval(() => {}, 1000);
            """);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var seen = new List<int>();

        var result = await _runner.RunAsync(
            Sandboxes.Spec(_workspace, "node", "tree.js", token),
            async (line, _) =>
            {
                if (line != "ready")
                {
                    return;
                }

                for (var i = 0; i < 100 && seen.Count < 3; i++)
                {
                    await Task.Delay(20, Ct);
                    seen = Sandboxes.ProcessesWith(token);
                }

                await cancellation.CancelAsync();
            },
            cancellation.Token);

        Assert.True(result.Cancelled);
        Assert.False(result.TimedOut);
        Assert.Equal(3, seen.Count);
        Assert.All(seen, pid => Assert.False(Sandboxes.IsAlive(pid), $"pid {pid} survived cancellation"));
        Assert.True(result.Duration < TimeSpan.FromSeconds(5));
        _workspace.AssertOutsideUntouched();
    }

    /// <summary>
    /// Kiln killed outright (SIGKILL: no shutdown code, no dispose) while a command and a dev server run. Under
    /// bubblewrap the kernel takes them down with it (die-with-parent, then the pid namespace); without it the
    /// parent-death signal reaches only each command's first process, and what it started is killed when Kiln
    /// starts again.
    /// </summary>
    [Theory]
    [InlineData("bwrap")]
    [InlineData("none")]
    public async Task No_command_or_dev_server_outlives_a_killed_Kiln(string mode)
    {
        Requires.Pnpm();
        var root = Infrastructure.TempDirectory.Create("kiln-root");
        var token = Sandboxes.SleepToken();
        string app = "";
        try
        {
            string projectId;
            string mcpToken;
            await using (var setup = Infrastructure.KilnApp.Start(projectsRoot: root))
            {
                setup.KeepProjectsRoot = true;
                projectId = await setup.CreateReadyProjectAsync();
                (_, mcpToken) = await setup.McpConnectionAsync(projectId);
            }

            app = Path.Join(root, projectId, "generated-app");
            await File.WriteAllTextAsync(Path.Join(app, "package.json"), """{ "name": "held", "private": true, "scripts": { "dev": "node server.mjs" } }""", Ct);
            await File.WriteAllTextAsync(Path.Join(app, "server.mjs"), """
                import http from "node:http";
                http.createServer((_, response) => response.end("up")).listen(Number(process.env.PORT), process.env.HOST, () => console.log("listening"));
                """, Ct);
            Directory.CreateDirectory(Path.Join(app, "node_modules"));
            // A command that starts a child in its own group and one in its own session, then waits.
            await File.WriteAllTextAsync(Path.Join(app, "hold.js"), """
                const { spawn } = require('child_process');
                spawn('sleep', [process.argv[2]], { stdio: 'ignore' });
                spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', process.argv[2]], { stdio: 'ignore', detached: true }).unref();
                setInterval(() => {}, 1000);
                """, Ct);
            var settings = new Dictionary<string, string>
            {
                ["Kiln:ProjectsRoot"] = root,
                ["Kiln:Sandbox:Mode"] = mode,
                ["Kiln:Agent:Offline:AppStack"] = "static",
            };

            await using (var kiln = await Kiln.Testing.KilnProcess.StartAsync(typeof(Program).Assembly.Location, settings, Ct))
            {
                await using var client = await McpClient.CreateAsync(
                    new HttpClientTransport(new HttpClientTransportOptions
                    {
                        Endpoint = new Uri(kiln.BaseAddress, $"/mcp/{projectId}"),
                        TransportMode = HttpTransportMode.StreamableHttp,
                        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {mcpToken}" },
                    }),
                    cancellationToken: Ct);
                var server = await client.CallToolAsync("start_dev_server", new Dictionary<string, object?>(), cancellationToken: Ct);
                Assert.True(server.IsError != true, string.Join('\n', server.Content.OfType<TextContentBlock>().Select(b => b.Text)));
                var command = client.CallToolAsync(
                    "run_command", new Dictionary<string, object?> { ["command"] = $"node hold.js {token}", ["timeout_seconds"] = 600 }, cancellationToken: Ct).AsTask();
                Assert.True(await WaitUntilAsync(() => Sandboxes.ProcessesWith(token).Count == 3, TimeSpan.FromSeconds(20)), "the command's three processes did not start");
                Assert.NotEmpty(Preview.PreviewHarness.ProcessesIn(app).Except(Sandboxes.ProcessesWith(token)));

                await kiln.KillKilnOnlyAsync();
                await Assert.ThrowsAnyAsync<Exception>(() => command.WaitAsync(TimeSpan.FromSeconds(30), Ct));
            }

            if (mode == "none")
            {
                // Nothing held these processes but Kiln: the next Kiln to start on this root finds and kills them.
                await using var next = await Kiln.Testing.KilnProcess.StartAsync(typeof(Program).Assembly.Location, settings, Ct);
                Assert.True(await WaitUntilAsync(() => Preview.PreviewHarness.ProcessesIn(app).Count == 0, TimeSpan.FromSeconds(5)),
                    $"left running after the next start: {string.Join(", ", Preview.PreviewHarness.ProcessesIn(app).Select(Infrastructure.ProcessTable.CommandLine))}");
            }
            else
            {
                Assert.True(await WaitUntilAsync(() => Preview.PreviewHarness.ProcessesIn(app).Count == 0, TimeSpan.FromSeconds(5)),
                    $"outlived Kiln: {string.Join(", ", Preview.PreviewHarness.ProcessesIn(app).Select(Infrastructure.ProcessTable.CommandLine))}");
            }

            Assert.Empty(Sandboxes.ProcessesWith(token));
        }
        finally
        {
            // Whatever the outcome, leave nothing running for the next test.
            foreach (var pid in Sandboxes.ProcessesWith(token).Concat(app.Length > 0 ? Preview.PreviewHarness.ProcessesIn(app) : []))
            {
                Kiln.Sandbox.NativeMethods.KillProcess(pid);
            }

            Infrastructure.TempDirectory.Delete(root);
        }
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(50, Ct);
        }

        return true;
    }

    private void WriteDaemonScripts()
    {
        // parent → child (new session) → grandchild (new session again); the child exits at once,
        // so the grandchild is orphaned and belongs to no process group Kiln knows about.
        _workspace.Write("parent.js", """
            const { spawn } = require('child_process');
            const fs = require('fs');
            spawn(process.execPath, ['daemon.js', process.argv[2], 'child'], { stdio: 'ignore', detached: true }).unref();
            const started = Date.now();
            (function wait() {
              if (fs.existsSync('daemon-started')) { console.log('ready'); setTimeout(() => process.exit(0), 300); }
              else if (Date.now() - started < 5000) setTimeout(wait, 10);
              else process.exit(3);
            })();
            """);
        _workspace.Write("daemon.js", """
            const { spawn } = require('child_process');
            if (process.argv[3] === 'child') {
              spawn(process.execPath, ['daemon.js', process.argv[2], 'grandchild'], { stdio: 'ignore', detached: true }).unref();
              process.exit(0);
            }
            require('fs').writeFileSync('daemon-started', String(process.pid));
            setInterval(() => {}, 1000);
            """);
    }
}
