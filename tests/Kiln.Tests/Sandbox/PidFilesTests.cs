using System.Diagnostics;
using Kiln.Sandbox;

namespace Kiln.Tests.Sandbox;

/// <summary>
/// A project's pid files with real processes: what the runner records while a process runs, and what the project's
/// next owner kills. "Another Kiln" is this one's file with its owner rewritten, as a Kiln that died would have left it.
/// </summary>
public sealed class PidFilesTests : IDisposable
{
    private readonly AppWorkspace _workspace = new();

    private string Pids => Path.Join(_workspace.Root, "pids");

    private string[] PidFileNames() => Directory.Exists(Pids) ? Directory.GetFiles(Pids) : [];

    public void Dispose() => _workspace.Dispose();

    public static TheoryData<SandboxMode> Modes => [SandboxMode.Bwrap, SandboxMode.None];

    [Theory, MemberData(nameof(Modes))]
    public async Task What_another_Kiln_left_running_is_killed_with_its_tree_and_this_Kilns_own_is_left_alone(SandboxMode mode)
    {
        await using var runner = Sandboxes.Runner(mode);
        if (mode == SandboxMode.Bwrap)
        {
            await runner.RequireBubblewrapAsync();
        }

        var token = Sandboxes.SleepToken();
        // A child of the command, as a dev server's node is of its package manager.
        _workspace.Write("run.sh", $"sleep {token} &\nsleep {token}\n");
        await using var process = await runner.StartAsync(Sandboxes.Spec(_workspace, "sh", "run.sh") with { PidDirectory = Pids }, Ct);
        await WaitUntilAsync(() => Sandboxes.ProcessesWith(token).Count == 2);
        var file = Assert.Single(Directory.GetFiles(Pids));
        Assert.Equal($"{process.Pid}.pid", Path.GetFileName(file));

        // This Kiln's own running process: not a leftover.
        Assert.Equal(0, PidFiles.KillLeftovers(Pids));
        Assert.Equal(2, Sandboxes.ProcessesWith(token).Count);

        // The same file as another Kiln on this host would have left it.
        var fields = File.ReadAllText(file).Trim().Split(' ');
        fields[1] = "1.1";
        File.WriteAllText(file, string.Join(' ', fields));

        Assert.Equal(1, PidFiles.KillLeftovers(Pids));
        await WaitUntilAsync(() => Sandboxes.ProcessesWith(token).Count == 0);
        Assert.Empty(PidFileNames()); // the last one takes its project's directory with it
    }

    [Fact]
    public async Task A_pid_reused_by_another_process_is_never_killed()
    {
        using var other = Process.Start(new ProcessStartInfo("sleep", Sandboxes.SleepToken()) { UseShellExecute = false })!;
        try
        {
            var stat = File.ReadAllText($"/proc/{other.Id}/stat");
            var start = long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], System.Globalization.CultureInfo.InvariantCulture);
            var boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            Directory.CreateDirectory(Pids);
            // The pid of a process a dead Kiln started, which has since exited and whose pid the kernel handed on.
            File.WriteAllText(Path.Join(Pids, $"{other.Id}.pid"), $"{boot} 1.1 {other.Id} {start - 1} Direct -\n");

            Assert.Equal(0, PidFiles.KillLeftovers(Pids));
            Assert.False(other.HasExited);
            Assert.Empty(PidFileNames()); // the last one takes its project's directory with it
        }
        finally
        {
            other.Kill();
            await other.WaitForExitAsync(Ct);
        }
    }

    [Fact]
    public async Task An_agent_CLI_another_Kiln_left_running_is_found_by_its_marker_and_killed()
    {
        // As the runner marks a CLI it launches: the marker in its environment, which its children inherit.
        var marker = $"{Environment.ProcessId}.0.{Guid.NewGuid():N}";
        var start = new ProcessStartInfo("sleep", Sandboxes.SleepToken()) { UseShellExecute = false };
        start.Environment[StrayProcesses.MarkerName] = marker;
        using var cli = Process.Start(start)!;
        try
        {
            PidFiles.RecordMarked(Pids, marker);
            Assert.Equal(0, PidFiles.KillLeftovers(Pids));
            Assert.False(cli.HasExited);

            var file = Assert.Single(Directory.GetFiles(Pids));
            var fields = File.ReadAllText(file).Trim().Split(' ');
            fields[1] = "1.1";
            File.WriteAllText(file, string.Join(' ', fields));

            Assert.Equal(1, PidFiles.KillLeftovers(Pids));
            await cli.WaitForExitAsync(Ct);
            Assert.Empty(PidFileNames()); // the last one takes its project's directory with it
        }
        finally
        {
            if (!cli.HasExited)
            {
                cli.Kill();
            }
        }
    }

    [Fact]
    public async Task A_process_that_exits_removes_its_pid_file()
    {
        await using var runner = Sandboxes.Runner(SandboxMode.None);

        var result = await runner.RunAsync(Sandboxes.Spec(_workspace, "true") with { PidDirectory = Pids }, null, Ct);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(PidFileNames());
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
