using System.Diagnostics;
using System.Globalization;

namespace Kiln.Bench;

/// <summary>
/// Runs a candidate and its baseline alternately in one process, so drift in machine load hits both alike,
/// and reports their medians and the ratio candidate / baseline.
/// </summary>
public static class Measurement
{
    public sealed record Result(string Name, int Samples, TimeSpan Candidate, TimeSpan Baseline, string Target)
    {
        public double Ratio => Candidate / Baseline;

        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"{Name,-52} n={Samples,-4} candidate {Candidate.TotalMilliseconds,9:F2} ms   baseline {Baseline.TotalMilliseconds,9:F2} ms   ratio {Ratio,5:F2}   target {Target}");
    }

    public static Task<Result> CompareAsync(
        string name, int samples, Func<Task> candidate, Func<Task> baseline, string target, int warmup = 1) =>
        CompareAsync(name, samples, () => TimeAsync(candidate), () => TimeAsync(baseline), target, warmup);

    /// <summary>For work with a setup that must not count: each side times its own part and returns it.</summary>
    public static async Task<Result> CompareAsync(
        string name, int samples, Func<Task<TimeSpan>> candidate, Func<Task<TimeSpan>> baseline, string target, int warmup = 1)
    {
        for (var i = 0; i < warmup; i++)
        {
            await candidate();
            await baseline();
        }

        var candidateTimes = new List<TimeSpan>(samples);
        var baselineTimes = new List<TimeSpan>(samples);
        for (var i = 0; i < samples; i++)
        {
            candidateTimes.Add(await candidate());
            baselineTimes.Add(await baseline());
        }

        return new Result(name, samples, Median(candidateTimes), Median(baselineTimes), target);
    }

    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(started);
    }

    private static TimeSpan Median(List<TimeSpan> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
