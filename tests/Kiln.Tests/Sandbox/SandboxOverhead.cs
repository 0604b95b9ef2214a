using System.Diagnostics;
using System.Globalization;
using Kiln.Sandbox;

namespace Kiln.Tests.Sandbox;

/// <summary>
/// What the sandbox costs per command: 'true' run through the runner with and without
/// bubblewrap. Kept small and self-contained so it can move to bench/Kiln.Bench as is.
/// </summary>
public static class SandboxOverhead
{
    public sealed record Figures(int Iterations, TimeSpan BubblewrapMedian, TimeSpan DirectMedian)
    {
        public double Ratio => BubblewrapMedian / DirectMedian;

        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"'true' x{Iterations}: bwrap median {BubblewrapMedian.TotalMilliseconds:F2} ms, without bwrap {DirectMedian.TotalMilliseconds:F2} ms, ratio {Ratio:F2}");
    }

    public static async Task<Figures> MeasureAsync(SandboxedProcessRunner sandboxed, SandboxedProcessRunner direct, string directory, int iterations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandboxed);
        ArgumentNullException.ThrowIfNull(direct);
        var spec = new ProcessSpec(["true"], directory, [directory]);

        // The first run of each pays for the probe and JIT; leave it out.
        await sandboxed.RunAsync(spec, null, cancellationToken);
        await direct.RunAsync(spec, null, cancellationToken);

        var withBwrap = new List<TimeSpan>(iterations);
        var without = new List<TimeSpan>(iterations);
        for (var i = 0; i < iterations; i++)
        {
            // Interleaved, so drift in machine load hits both sides alike.
            withBwrap.Add(await TimeAsync(sandboxed, spec, cancellationToken));
            without.Add(await TimeAsync(direct, spec, cancellationToken));
        }

        return new Figures(iterations, Median(withBwrap), Median(without));
    }

    private static async Task<TimeSpan> TimeAsync(SandboxedProcessRunner runner, ProcessSpec spec, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var result = await runner.RunAsync(spec, null, cancellationToken);
        clock.Stop();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'true' exited with {result.ExitCode}: {result.Output}");
        }

        return clock.Elapsed;
    }

    private static TimeSpan Median(List<TimeSpan> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }
}

public sealed class SandboxOverheadTests
{
    [Fact(Explicit = true)]
    public async Task Sandbox_overhead_of_running_true_100_times()
    {
        using var workspace = new AppWorkspace();
        await using var sandboxed = Sandboxes.Runner(SandboxMode.Required);
        await using var direct = Sandboxes.Runner(SandboxMode.None);
        await Requires.BubblewrapAsync(sandboxed);

        var figures = await SandboxOverhead.MeasureAsync(sandboxed, direct, workspace.App, 100, TestContext.Current.CancellationToken);

        TestContext.Current.SendDiagnosticMessage(figures.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(figures.ToString());
        Console.WriteLine(figures);
    }
}
