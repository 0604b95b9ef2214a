using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Kiln.ClaudeAgent.Tests;

/// <summary>
/// A CLI that misbehaves, played by <see cref="StandInCli"/>: output that is not JSON, a CLI that
/// stops reading, callbacks that never return, withdrawn requests, processes left behind.
/// </summary>
public sealed class StandInCliTests
{
    // ShutdownTimeout (0.5 s in these tests), one second of cleanup after the kill, and slack for a busy machine;
    // the unbounded dispose this guards against took as long as the CLI lived (20.7 s with a 20 s sleep).
    private static readonly TimeSpan BoundedDispose = TimeSpan.FromSeconds(3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lines_that_are_not_json_objects_are_skipped_and_logged()
    {
        using var cli = new StandInCli($"""
            answer '{StandInCli.Initialized}'
            emit '[SandboxDebug] watching /tmp'
            emit ''
            emit '42'
            emit "$result"
            sleep 30
            """);
        var log = new RecordingLoggerFactory();
        await using var client = await ClaudeAgentClient.ConnectAsync(cli.Options with { LoggerFactory = log }, Ct);

        var messages = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);

        Assert.Equal("Done.", Assert.IsType<ResultMessage>(Assert.Single(messages)).Result);
        Assert.Contains(log.Lines, l => l.Message.Contains("[SandboxDebug] watching /tmp", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Message.EndsWith(": 42", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stderr_callback_that_throws_is_logged_and_stderr_keeps_draining()
    {
        // 200 KB of stderr: far more than a pipe holds, so the CLI blocks unless it is read to the end.
        using var cli = new StandInCli($"""
            answer '{StandInCli.Initialized}'
            i=0
            while [ $i -lt 2000 ]; do
              echo "debug line $i ......................................................................................" >&2
              i=$((i + 1))
            done
            emit "$result"
            sleep 30
            """);
        var log = new RecordingLoggerFactory();
        var options = cli.Options with { LoggerFactory = log, Stderr = _ => throw new InvalidOperationException("The log sink is full.") };
        await using var client = await ClaudeAgentClient.ConnectAsync(options, Ct);

        var messages = await client.ReceiveResponseAsync(Ct).ToListAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.IsType<ResultMessage>(Assert.Single(messages));
        Assert.Contains(log.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Message.Contains("stderr callback", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_line_that_starts_like_json_but_is_cut_off_ends_the_stream_with_a_decode_error()
    {
        using var cli = new StandInCli($"""
            answer '{StandInCli.Initialized}'
            emit '{"{"}"type":"assistant","message":'
            sleep 30
            """);
        await using var client = await ClaudeAgentClient.ConnectAsync(cli.Options, Ct);

        var error = await Assert.ThrowsAsync<MessageDecodeException>(() => client.ReceiveMessagesAsync(Ct).ToListAsync(Ct).AsTask());

        Assert.Equal("""{"type":"assistant","message":""", error.Line);
    }

    [Fact]
    public async Task A_cli_that_exits_during_start_up_reports_its_exit_code_stderr_and_what_it_printed()
    {
        using var cli = new StandInCli("""
            echo "bwrap: Can't mount proc on /newroot/proc"
            echo 'error: unknown option --frobnicate' >&2
            exit 3
            """);

        var error = await Assert.ThrowsAsync<CliProcessException>(() => ClaudeAgentClient.ConnectAsync(cli.Options, Ct));

        Assert.Equal(3, error.ExitCode);
        Assert.Contains("unknown option --frobnicate", error.StderrTail, StringComparison.Ordinal);
        Assert.Equal("bwrap: Can't mount proc on /newroot/proc", error.UnparsedOutput);
        Assert.Contains("Can't mount proc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cli_that_prints_garbage_and_leaves_without_answering_says_what_it_printed()
    {
        using var cli = new StandInCli("""
            echo 'this is not json at all'
            """);

        var error = await Assert.ThrowsAsync<ClaudeAgentException>(() => ClaudeAgentClient.ConnectAsync(cli.Options, Ct));

        Assert.Contains("this is not json at all", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cli_that_exits_while_a_process_it_left_behind_holds_its_output_still_ends_the_stream()
    {
        // The subshell's sleep is re-parented away from the CLI's tree and keeps stdout and stderr open.
        using var cli = new StandInCli($"""
            answer '{StandInCli.Initialized}'
            ( sleep 5 & )
            exit 3
            """);
        await using var client = await ClaudeAgentClient.ConnectAsync(cli.Options, Ct);

        var error = await Assert.ThrowsAsync<CliProcessException>(
            () => client.ReceiveMessagesAsync(Ct).ToListAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(4), Ct));

        Assert.Equal(3, error.ExitCode);
    }

    [Fact]
    public async Task Dispose_is_bounded_by_the_shutdown_timeout_when_the_cli_stops_reading_its_input()
    {
        using var cli = new StandInCli($"""
            answer '{StandInCli.Initialized}'
            sleep 20
            """);
        var client = await ClaudeAgentClient.ConnectAsync(cli.Options with { ShutdownTimeout = TimeSpan.FromMilliseconds(500) }, Ct);
        using var process = Process.GetProcessById(client.ProcessId);
        // Far more than a pipe holds: the write blocks, holding the client's write lock.
        var send = client.SendAsync(new string('x', 4 << 20), Ct);
        await Task.Delay(200, Ct);
        Assert.False(send.IsCompleted);

        var clock = Stopwatch.StartNew();
        await client.DisposeAsync();

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, BoundedDispose);
        Assert.True(process.HasExited);
        await Assert.ThrowsAnyAsync<ClaudeAgentException>(() => send.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task Dispose_is_bounded_when_a_callback_ignores_its_cancellation()
    {
        using var cli = new StandInCli($$"""
            answer '{{StandInCli.Initialized}}'
            emit '{"type":"control_request","request_id":"perm_1","request":{"subtype":"can_use_tool","tool_name":"mcp__kiln__echo","input":{ } } }'
            sleep 20
            """);
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource<PermissionDecision>();
        var client = await ClaudeAgentClient.ConnectAsync(cli.Options with
        {
            ShutdownTimeout = TimeSpan.FromMilliseconds(500),
            CanUseTool = (_, _) =>
            {
                entered.TrySetResult();
                return release.Task; // ignores its token
            },
        }, Ct);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        var clock = Stopwatch.StartNew();
        await client.DisposeAsync();

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, BoundedDispose);
        release.SetResult(PermissionDecision.Allow());
    }

    [Fact]
    public async Task A_send_cancelled_while_its_frame_is_stuck_kills_the_cli_rather_than_leave_half_a_frame()
    {
        using var cli = new StandInCli($"""
            answer '{StandInCli.Initialized}'
            sleep 20
            """);
        await using var client = await ClaudeAgentClient.ConnectAsync(cli.Options, Ct);
        using var process = Process.GetProcessById(client.ProcessId);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(new string('x', 4 << 20), cancel.Token));

        await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct);
        // The stream ends too, saying the CLI was killed, rather than wait on a CLI that is gone.
        var error = await Assert.ThrowsAsync<CliProcessException>(
            () => client.ReceiveMessagesAsync(Ct).ToListAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(137, error.ExitCode);
    }

    [Fact]
    public async Task Concurrent_sends_reach_the_cli_as_whole_lines()
    {
        using var cli = new StandInCli($"""
            answer '{StandInCli.Initialized}'
            exec cat > "$dir/stdin.jsonl"
            """);
        var prompts = Enumerable.Range(0, 24).Select(i => $"{i}:" + new string((char)('a' + i), 150_000)).ToList();
        await using (var client = await ClaudeAgentClient.ConnectAsync(cli.Options with { ShutdownTimeout = TimeSpan.FromSeconds(10) }, Ct))
        {
            await Task.WhenAll(prompts.Select(p => client.SendAsync(p, Ct)));
        }

        var lines = await File.ReadAllLinesAsync(cli.FileNamed("stdin.jsonl"), Ct);
        var sent = lines.Select(l => JsonNode.Parse(l)!["message"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(prompts.Order(), sent.Order());
    }

    [Fact]
    public async Task A_request_the_cli_withdraws_gets_no_answer()
    {
        // perm_1's callback honours the withdrawal, perm_2's answers anyway, perm_3 is not withdrawn.
        using var cli = new StandInCli($$"""
            answer '{{StandInCli.Initialized}}'
            exec 3<&0
            cat <&3 > "$dir/stdin.jsonl" &
            for id in perm_1 perm_2; do
              emit '{"type":"control_request","request_id":"'$id'","request":{"subtype":"can_use_tool","tool_name":"'$id'","input":{ } } }'
            done
            sleep 0.3
            emit '{"type":"control_cancel_request","request_id":"perm_1"}'
            emit '{"type":"control_cancel_request","request_id":"perm_2"}'
            emit '{"type":"control_request","request_id":"perm_3","request":{"subtype":"can_use_tool","tool_name":"perm_3","input":{ } } }'
            sleep 1
            emit "$result"
            wait
            """);
        var withdrawn = new List<string>();
        var options = cli.Options with
        {
            ShutdownTimeout = TimeSpan.FromSeconds(5),
            CanUseTool = async (request, ct) =>
            {
                if (request.ToolName == "perm_3")
                {
                    return PermissionDecision.Allow();
                }
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    lock (withdrawn)
                    {
                        withdrawn.Add(request.ToolName);
                    }
                    if (request.ToolName == "perm_1")
                    {
                        throw;
                    }
                }
                return PermissionDecision.Allow();
            },
        };
        await using (var client = await ClaudeAgentClient.ConnectAsync(options, Ct))
        {
            await client.ReceiveResponseAsync(Ct).ToListAsync(Ct);
        }

        Assert.Equal(["perm_1", "perm_2"], withdrawn.Order());
        var answered = (await File.ReadAllLinesAsync(cli.FileNamed("stdin.jsonl"), Ct))
            .Select(l => JsonNode.Parse(l)!["response"]?["request_id"]?.GetValue<string>());
        Assert.Equal(["perm_3"], answered);
    }

    [Theory]
    [InlineData("1.0.128", true)]
    [InlineData("2.1.332", false)]
    public async Task A_cli_older_than_the_minimum_version_is_refused(string version, bool refused)
    {
        using var cli = new StandInCli($$"""
            answer '{"claude_code_version":"{{version}}"}'
            sleep 30
            """);

        var connect = ClaudeAgentClient.ConnectAsync(cli.Options, Ct);

        if (refused)
        {
            var error = await Assert.ThrowsAsync<CliVersionException>(() => connect);
            Assert.Equal(new Version(1, 0, 128), error.Version);
            Assert.Contains("2.0.0", error.Message, StringComparison.Ordinal);
        }
        else
        {
            await using var client = await connect;
            Assert.Equal(new Version(2, 1, 332), client.InitializeResult.ParsedCliVersion);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_cli_inherits_this_process_environment_unless_told_not_to(bool inherit)
    {
        using var cli = new StandInCli($"""
            env > "$dir/env.txt"
            answer '{StandInCli.Initialized}'
            sleep 30
            """);
        var options = cli.Options with
        {
            InheritEnvironment = inherit,
            Environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["KILN_GIVEN"] = "yes" },
        };

        await using (await ClaudeAgentClient.ConnectAsync(options, Ct))
        {
        }

        var environment = (await File.ReadAllLinesAsync(cli.FileNamed("env.txt"), Ct))
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("yes", environment["KILN_GIVEN"]);
        Assert.Equal("/usr/bin:/bin", environment["PATH"]);
        Assert.Equal("sdk-dotnet", environment["CLAUDE_CODE_ENTRYPOINT"]);
        var home = System.Environment.GetEnvironmentVariable("HOME");
        Assert.Equal(inherit ? home : null, environment.GetValueOrDefault("HOME"));
    }

    [Fact]
    public async Task A_cli_run_through_a_launcher_gets_its_command_line_and_environment_and_dies_with_the_client()
    {
        using var cli = new StandInCli($"""
            echo $$ > "$dir/cli.pid"
            printf '%s\n' "$WRAPPED_BY" "$KILN_GIVEN" > "$dir/cli-env.txt"
            answer '{StandInCli.Initialized}'
            emit "$result"
            sleep 30
            """);
        // A real launcher that stays the CLI's parent, as bwrap does: it records its argv and runs the rest as a child.
        var launcher = cli.FileNamed("launcher");
        File.WriteAllText(launcher, """
            #!/bin/sh
            printf '%s\n' "$@" > "$(dirname "$0")/launcher-args.txt"
            while [ "$1" != "--" ]; do shift; done
            shift
            WRAPPED_BY=launcher "$@"
            """.ReplaceLineEndings("\n") + "\n");
        StandInCli.MakeExecutable(launcher);
        var options = cli.Options with
        {
            Environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["KILN_GIVEN"] = "yes" },
            WrapCommand = command => command.RunThrough(launcher, ["--launcher-flag", "--"]),
        };

        int cliPid;
        await using (var client = await ClaudeAgentClient.ConnectAsync(options, Ct))
        {
            Assert.IsType<ResultMessage>(Assert.Single(await client.ReceiveResponseAsync(Ct).ToListAsync(Ct)));
            cliPid = int.Parse(await File.ReadAllTextAsync(cli.FileNamed("cli.pid"), Ct), System.Globalization.CultureInfo.InvariantCulture);
            Assert.NotEqual(client.ProcessId, cliPid);
        }

        var launcherArgs = await File.ReadAllLinesAsync(cli.FileNamed("launcher-args.txt"), Ct);
        Assert.Equal(["--launcher-flag", "--", cli.Path, "--print", "--output-format=stream-json"], launcherArgs.Take(5));
        Assert.Equal(["launcher", "yes"], await File.ReadAllLinesAsync(cli.FileNamed("cli-env.txt"), Ct));
        // The CLI is the launcher's child, not the client's: disposal killed it through the launcher's tree.
        Assert.False(Directory.Exists($"/proc/{cliPid}") && !File.ReadAllText($"/proc/{cliPid}/stat").Contains(") Z ", StringComparison.Ordinal));
    }
}
