using Kiln.Sandbox;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Kiln.Tests.Sandbox;

public sealed class SandboxedProcessRunnerTests : IAsyncLifetime
{
    private readonly AppWorkspace _workspace = new();
    private readonly SandboxedProcessRunner _runner = Sandboxes.Runner();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _runner.DisposeAsync();
        _workspace.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Status_probe_runs_bubblewrap_once()
    {
        await _runner.RequireBubblewrapAsync();

        var first = await _runner.GetStatusAsync(Ct);
        var second = await _runner.GetStatusAsync(Ct);

        Assert.Same(first, second);
        Assert.True(first.Isolated);
        Assert.NotNull(first.PrlimitPath);
        Assert.Contains("bubblewrap", first.Description);
    }

    [Fact]
    public async Task Output_lines_stream_in_order_and_are_captured()
    {
        await _runner.RequireBubblewrapAsync();
        _workspace.Write("a.txt", "one\ntwo\r\nthree");
        var streamed = new List<string>();

        var result = await _runner.RunAsync(
            Sandboxes.Spec(_workspace, "cat", "a.txt"),
            (line, _) => { streamed.Add(line); return ValueTask.CompletedTask; },
            Ct);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["one", "two", "three"], streamed);
        Assert.Equal("one\ntwo\nthree\n", result.Output);
        Assert.False(result.OutputTruncated || result.TimedOut || result.Cancelled);
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Exit_code_and_stderr_come_back()
    {
        await _runner.RequireBubblewrapAsync();

        var result = await _runner.RunAsync(Sandboxes.Spec(_workspace, "ls", "does-not-exist"), null, Ct);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("does-not-exist", result.Output);
    }

    [Fact]
    public async Task Missing_program_is_reported_as_not_found()
    {
        var result = await _runner.RunAsync(Sandboxes.Spec(_workspace, "no-such-program-kiln"), null, Ct);

        Assert.Equal(127, result.ExitCode);
        Assert.Contains("command not found", result.Output);
    }

    [Fact]
    public async Task Standard_input_is_passed_when_given()
    {
        await _runner.RequireBubblewrapAsync();

        var result = await _runner.RunAsync(
            Sandboxes.Spec(_workspace, "cat") with { StandardInput = "hello\nworld\n" }, null, Ct);

        Assert.Equal("hello\nworld\n", result.Output);
    }

    [Fact]
    public async Task Project_directory_is_writable_and_files_belong_to_kiln()
    {
        await _runner.RequireBubblewrapAsync();

        var result = await _runner.RunAsync(Sandboxes.Spec(_workspace, "mkdir", "-p", "src/components"), null, Ct);

        Assert.Equal(0, result.ExitCode);
        Assert.True(Directory.Exists(_workspace.InApp("src/components")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Environment_is_minimal_with_spec_extras()
    {
        await _runner.RequireBubblewrapAsync();
        var spec = Sandboxes.Spec(_workspace, "cat", "/proc/self/environ") with
        {
            Environment = new Dictionary<string, string> { ["PORT"] = "5173" },
        };

        var result = await _runner.RunAsync(spec, null, Ct);

        var names = result.Output.Split(['\0', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(e => e.Split('=')[0]).Order().ToList();
        // PWD is set by bwrap's --chdir.
        Assert.Equal(["CI", "HOME", "LANG", "NO_COLOR", "PATH", "PORT", "PWD", "TERM", "TMPDIR"], names);
    }

    [Theory]
    [InlineData("ANTHROPIC_API_KEY")]
    [InlineData("anthropic_base_url")]
    [InlineData("Kiln__Agents__ApiKey")]
    [InlineData("NPM_TOKEN")]
    [InlineData("GITHUB_TOKEN")]
    [InlineData("DB_PASSWORD")]
    [InlineData("AWS_SECRET_ACCESS_KEY")]
    [InlineData("LD_PRELOAD")]
    [InlineData("CLAUDE_CODE_OAUTH_TOKEN")]
    public async Task Secret_names_in_spec_extras_are_refused(string name)
    {
        var spec = Sandboxes.Spec(_workspace, "touch", "ran") with
        {
            Environment = new Dictionary<string, string> { [name] = "value" },
        };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _runner.RunAsync(spec, null, Ct));

        Assert.Contains(name, error.Message);
        Assert.False(File.Exists(_workspace.InApp("ran")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Working_directory_must_be_inside_a_writable_directory()
    {
        var spec = new ProcessSpec(["ls"], _workspace.Root, [_workspace.App]);

        await Assert.ThrowsAsync<ArgumentException>(() => _runner.RunAsync(spec, null, Ct));
    }

    [Fact]
    public async Task Started_process_streams_output_and_stops_with_its_tree()
    {
        await _runner.RequireBubblewrapAsync();
        Requires.Node();
        var token = Sandboxes.SleepToken();
        _workspace.Write("server.js", """
            const { spawn } = require('child_process');
            spawn('sleep', [process.argv[2]], { stdio: 'ignore' });
            console.log('listening');
            setInterval(() => {}, 1000);
            """);

        await using var process = await _runner.StartAsync(Sandboxes.Spec(_workspace, "node", "server.js", token) with { Timeout = null }, Ct);
        var first = await process.Output.ReadAsync(Ct);
        Assert.Equal("listening", first);
        await WaitUntil(() => Sandboxes.ProcessesWith(token).Count == 2);

        await process.StopAsync(Ct);

        Assert.True(process.Exited.IsCompleted);
        Assert.Empty(Sandboxes.ProcessesWith(token));
        Assert.False(Sandboxes.IsAlive(process.Pid));
    }

    [Fact]
    public async Task Started_process_survives_the_exit_of_the_thread_that_started_it()
    {
        await _runner.RequireBubblewrapAsync();
        var token = Sandboxes.SleepToken();

        // Start from a thread that then ends: PR_SET_PDEATHSIG would fire here if the runner
        // forked from the caller's thread rather than from its own long-lived one.
        // The thread lingers a moment so bwrap has set its parent-death signal before the thread goes.
        SandboxedProcess? process = null;
        var thread = new Thread(() =>
        {
            process = _runner.StartAsync(Sandboxes.Spec(_workspace, "sleep", token) with { Timeout = null }, CancellationToken.None)
                .GetAwaiter().GetResult();
            Thread.Sleep(300);
        });
        thread.Start();
        thread.Join();
        await using var started = process!;
        await Task.Delay(300, Ct);

        Assert.False(started.Exited.IsCompleted);
        Assert.Single(Sandboxes.ProcessesWith(token));
    }

    [Fact]
    public async Task Disposing_the_runner_kills_every_live_process()
    {
        await _runner.RequireBubblewrapAsync();
        var token = Sandboxes.SleepToken();
        var runner = Sandboxes.Runner();
        var first = await runner.StartAsync(Sandboxes.Spec(_workspace, "sleep", token) with { Timeout = null }, Ct);
        var second = await runner.StartAsync(Sandboxes.Spec(_workspace, "sleep", token) with { Timeout = null }, Ct);
        await WaitUntil(() => Sandboxes.ProcessesWith(token).Count == 2);

        await runner.DisposeAsync();

        Assert.True(first.Exited.IsCompleted && second.Exited.IsCompleted);
        Assert.Empty(Sandboxes.ProcessesWith(token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => runner.RunAsync(Sandboxes.Spec(_workspace, "true"), null, Ct));
    }

    [Fact]
    public async Task Started_process_output_drops_oldest_lines_when_nobody_reads()
    {
        await _runner.RequireBubblewrapAsync();
        _workspace.Write("many.txt", string.Join('\n', Enumerable.Range(0, SandboxedProcessRunner.StartedOutputCapacity + 500)));

        await using var process = await _runner.StartAsync(Sandboxes.Spec(_workspace, "cat", "many.txt"), Ct);
        Assert.Equal(0, await process.Exited.WaitAsync(Ct));

        var lines = new List<string>();
        await foreach (var line in process.Output.ReadAllAsync(Ct))
        {
            lines.Add(line);
        }

        Assert.Equal(SandboxedProcessRunner.StartedOutputCapacity, lines.Count);
        Assert.Equal((SandboxedProcessRunner.StartedOutputCapacity + 499).ToString(System.Globalization.CultureInfo.InvariantCulture), lines[^1]);
    }

    [Fact]
    public async Task Without_bubblewrap_commands_still_get_a_scrubbed_environment_and_rlimits()
    {
        Environment.SetEnvironmentVariable("ANTHROPIC_API_KEY", "sk-ant-direct-mode-secret");
        await using var runner = Sandboxes.Runner(SandboxMode.None, o => o.MaxOpenFiles = 321);

        var environ = await runner.RunAsync(Sandboxes.Spec(_workspace, "cat", "/proc/self/environ"), null, Ct);
        var limits = await runner.RunAsync(Sandboxes.Spec(_workspace, "cat", "/proc/self/limits"), null, Ct);

        Assert.False((await runner.GetStatusAsync(Ct)).Isolated);
        Assert.DoesNotContain("sk-ant-direct-mode-secret", environ.Output);
        Assert.Contains("KILN_SANDBOX_RUN", environ.Output);
        Assert.Matches(@"Max open files\s+321\s+321", limits.Output);
    }

    [Fact]
    public async Task Sandbox_mode_none_logs_a_warning_as_kiln_starts()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Sandbox:Mode"] = "none" });

        // Before any command ran: the probe is part of the host's start.
        var warning = Assert.Single(kiln.Log.Entries, e => e.Category == typeof(SandboxedProcessRunner).FullName);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith("Sandbox degraded: bubblewrap is switched off (Kiln:Sandbox:Mode=none)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("development only", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Required_mode_refuses_to_run_without_bubblewrap()
    {
        await using var runner = Sandboxes.Runner(SandboxMode.Required, o => o.BubblewrapPath = "/nonexistent/bwrap");

        var error = await Assert.ThrowsAsync<SandboxUnavailableException>(
            () => runner.RunAsync(Sandboxes.Spec(_workspace, "touch", "ran"), null, Ct));

        Assert.Contains("bubblewrap", error.Message);
        Assert.False(File.Exists(_workspace.InApp("ran")));
        _workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Bwrap_mode_falls_back_without_bubblewrap()
    {
        await using var runner = Sandboxes.Runner(SandboxMode.Bwrap, o => o.BubblewrapPath = "/nonexistent/bwrap");

        var result = await runner.RunAsync(Sandboxes.Spec(_workspace, "touch", "ran"), null, Ct);

        Assert.Equal(0, result.ExitCode);
        Assert.False((await runner.GetStatusAsync(Ct)).Isolated);
        Assert.True(File.Exists(_workspace.InApp("ran")));
    }

    [Fact]
    public async Task Timeout_follows_the_injected_clock()
    {
        var clock = new FakeTimeProvider();
        await using var runner = Sandboxes.Runner(timeProvider: clock);
        var token = Sandboxes.SleepToken();

        var run = runner.RunAsync(Sandboxes.Spec(_workspace, "sleep", token) with { Timeout = TimeSpan.FromMinutes(5) }, null, Ct);
        await WaitUntil(() => Sandboxes.ProcessesWith(token).Count == 1);
        clock.Advance(TimeSpan.FromMinutes(5));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.True(result.TimedOut);
        Assert.Equal(TimeSpan.FromMinutes(5), result.Duration);
        Assert.Empty(Sandboxes.ProcessesWith(token));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25, Ct);
        }

        Assert.True(condition(), "the condition did not become true in time");
    }
}
