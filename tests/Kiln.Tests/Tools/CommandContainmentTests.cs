using System.Diagnostics;
using Kiln.Testing;
using Kiln.Tests.Sandbox;
using ModelContextProtocol.Protocol;

namespace Kiln.Tests.Tools;

/// <summary>
/// Commands that try to outlive, outgrow or outtalk their run_command call: killed or capped, in the result and in
/// the events, with nothing left running. With the sandbox's own heavy tests, so they do not compete for the CPU.
/// </summary>
[Collection(HeavySandboxTests.Name)]
public sealed class CommandContainmentTests : IAsyncLifetime
{
    private ToolHarness _tools = null!;

    public async ValueTask InitializeAsync()
    {
        _tools = await ToolHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Kiln:Sandbox:MaxFileSizeBytes"] = (4L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await _tools.Services.RequireBubblewrapAsync();
        Requires.Node();
    }

    public async ValueTask DisposeAsync() => await _tools.DisposeAsync();

    private async Task<(CallToolResult Result, string Text)> RunAsync(string command, int? timeoutSeconds = null)
    {
        var result = await _tools.CallForResultAsync("run_command", new { command, timeout_seconds = timeoutSeconds });
        return (result, Kiln.Tools.ProjectToolset.TextOf(result));
    }

    [Fact]
    public async Task An_endless_loop_is_killed_at_its_timeout()
    {
        _tools.Write("loop.js", "for (;;) {}");
        var clock = Stopwatch.StartNew();

        var (result, text) = await RunAsync("node loop.js", timeoutSeconds: 1);

        Assert.True(result.IsError);
        Assert.Contains("Killed: yes: it ran past its 1.00 s limit", text, StringComparison.Ordinal);
        Assert.True(result.StructuredContent!.Value.GetProperty("timedOut").GetBoolean());
        Assert.True(result.StructuredContent!.Value.GetProperty("killed").GetBoolean());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task A_daemon_a_command_forks_is_killed_when_the_command_exits()
    {
        var token = Sandboxes.SleepToken();
        _tools.Write("daemon.js", """
            const { spawn } = require('child_process');
            spawn('sleep', [process.argv[2]], { stdio: 'ignore', detached: true }).unref();
            spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', process.argv[2]], { stdio: 'ignore', detached: true }).unref();
            console.log('forked');
            """);

        var (result, text) = await RunAsync($"node daemon.js {token}");

        Assert.False(result.IsError, text);
        Assert.Contains("forked", text, StringComparison.Ordinal);
        Assert.Empty(Sandboxes.ProcessesWith(token));
        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Output_of_100_MB_is_capped_in_the_result_and_in_the_events()
    {
        _tools.Write("flood.js", """
            const chunk = ('x'.repeat(1023) + '\n').repeat(1024);
            let left = 100;
            (function write() {
              while (left > 0) { left--; if (!process.stdout.write(chunk)) { process.stdout.once('drain', write); return; } }
            })();
            """);
        var clock = Stopwatch.StartNew();

        var (result, text) = await RunAsync("node flood.js");

        Assert.False(result.IsError, text[..200]);
        Assert.True(result.StructuredContent!.Value.GetProperty("outputTruncated").GetBoolean());
        Assert.InRange(text.Length, 32 * 1024, 34 * 1024);
        Assert.Contains("Output (cut to 32768 of its ", text, StringComparison.Ordinal);
        Assert.Contains("more bytes were dropped", text, StringComparison.Ordinal);
        var streamed = (await _tools.EventsAsync()).Where(e => e.Type == "command_output").Select(e => e.Data.GetProperty("text").GetString()!).ToList();
        Assert.InRange(streamed.Count, 2, 60);
        Assert.InRange(streamed.Sum(t => t.Length), 256 * 1024, (256 * 1024) + 2048);
        Assert.Contains("were not streamed (the limit is 262144 bytes per command)", streamed[^1], StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task A_huge_file_written_by_a_command_is_stopped_at_the_file_size_limit()
    {
        _tools.Write("big.js", """
            const fs = require('fs');
            const mb = Buffer.alloc(1 << 20, 120);
            const fd = fs.openSync('big.bin', 'w');
            try { for (let i = 0; i < 64; i++) fs.writeSync(fd, mb); console.log('wrote 64 MB'); }
            catch (e) { console.log('stopped: ' + e.code); }
            """);

        var (result, text) = await RunAsync("node big.js");

        Assert.DoesNotContain("wrote 64 MB", text, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(_tools.AppDirectory, "big.bin")).Length <= 4L << 20);
        Assert.True(result.IsError == true || text.Contains("stopped: EFBIG", StringComparison.Ordinal), text);
        var (writeError, writeText) = await _tools.CallAsync("write_file", new { path = "huge.txt", content = new string('x', 3 * 1024 * 1024) });
        Assert.True(writeError);
        Assert.Contains("at most", writeText, StringComparison.Ordinal);
        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task A_fork_bomb_is_contained_and_killed()
    {
        var token = Guid.NewGuid().ToString("N");
        _tools.Write("bomb.js", """
            const { spawn } = require('child_process');
            const again = () => { try { spawn(process.execPath, [__filename, process.argv[2]], { stdio: 'ignore', detached: true }).unref(); } catch {} };
            again(); again();
            setInterval(again, 20);
            """);
        var clock = Stopwatch.StartNew();

        var (result, text) = await RunAsync($"node bomb.js {token}", timeoutSeconds: 2);

        Assert.True(result.IsError);
        Assert.Contains("Killed: yes", text, StringComparison.Ordinal);
        Assert.Empty(Sandboxes.ProcessesWith(token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        _tools.AssertOutsideUntouched();
    }
}
