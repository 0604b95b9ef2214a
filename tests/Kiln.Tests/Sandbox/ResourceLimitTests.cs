using Kiln.Testing;

namespace Kiln.Tests.Sandbox;

/// <summary>
/// A command that tries to take the machine: a fork bomb and a runaway allocation, each stopped by its own limit
/// rather than loading the host until its timeout. The bomb caps itself (a tree of at most 511 shells that sleep), so
/// the test machine survives even when the limit does not hold.
/// </summary>
public sealed class ResourceLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fork_bomb_is_stopped_at_the_process_limit_long_before_its_timeout()
    {
        await using var runner = Sandboxes.Runner(configure: o => o.MaxProcesses = 64);
        await runner.RequireBubblewrapAsync();
        var status = await runner.GetStatusAsync(Ct);
        if (!status.ControlGroups)
        {
            Requires.Unavailable($"Kiln cannot make cgroups here, so only rlimits bound a command: {status.Description}");
        }

        using var workspace = new AppWorkspace();
        var token = Sandboxes.SleepToken();
        // Each shell starts two more in the background, eight levels deep; the leaves sleep about 30 s, so without the
        // limit the tree would stand for that long and end by itself, not stopped.
        var bomb = $"b() {{ if [ $1 -gt 0 ]; then b $(($1-1)) & b $(($1-1)) & wait; else sleep {token}; fi; }}; b 8";

        var result = await runner.RunAsync(
            Sandboxes.Spec(workspace, "sh", "-c", bomb) with { Timeout = TimeSpan.FromMinutes(2) }, null, Ct);

        Assert.Contains("at most 64 processes", status.Description, StringComparison.Ordinal);
        Assert.True(result.ProcessLimitReached, result.Output);
        Assert.False(result.TimedOut);
        Assert.Contains("tried to run more than 64 processes", result.Output, StringComparison.Ordinal);
        Assert.Empty(Sandboxes.ProcessesWith(token));
        workspace.AssertOutsideUntouched();
    }

    [Fact]
    public async Task A_runaway_allocation_fails_at_the_memory_limit()
    {
        Requires.Node();
        await using var runner = Sandboxes.Runner(configure: o => o.MaxMemoryBytes = 256L << 20);
        await runner.RequireBubblewrapAsync();
        using var workspace = new AppWorkspace();
        workspace.Write("hog.cjs", """
            const held = [];
            for (let i = 0; i < 64; i++) { held.push(Buffer.alloc(16 << 20, 1)); }
            console.log("allocated " + held.length * 16 + " MiB");
            """);

        var result = await runner.RunAsync(Sandboxes.Spec(workspace, "node", "hog.cjs"), null, Ct);

        Assert.NotEqual(0, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.DoesNotContain("allocated 1024 MiB", result.Output, StringComparison.Ordinal);
    }
}
