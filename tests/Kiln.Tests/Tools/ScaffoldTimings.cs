using System.Diagnostics;
using System.Globalization;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Tools;

/// <summary>
/// What a new react-ts app costs, scaffold plus install, through the tools: cold (an empty template cache and
/// store, so everything comes from the registry) and warm (a second project on the same caches). Explicit: it
/// needs the registry and takes about a minute.
/// </summary>
public sealed class ScaffoldTimings
{
    private const int Runs = 3;

    [Fact(Explicit = true)]
    public async Task Scaffold_and_install_react_ts_cold_and_warm()
    {
        var cold = new List<TimeSpan>();
        var warm = new List<TimeSpan>();
        for (var run = 0; run < Runs; run++)
        {
            var cache = TempDirectory.Create("kiln-timing-cache");
            try
            {
                cold.Add(await TimeAsync(cache));
                warm.Add(await TimeAsync(cache));
            }
            finally
            {
                TempDirectory.Delete(cache);
            }
        }

        var report = string.Create(CultureInfo.InvariantCulture,
            $"react-ts scaffold + install, median of {Runs}: cold {Median(cold).TotalSeconds:F2} s, warm {Median(warm).TotalSeconds:F2} s " +
            $"(cold: {string.Join(", ", cold.Select(t => t.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)))}; " +
            $"warm: {string.Join(", ", warm.Select(t => t.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)))})");
        TestContext.Current.SendDiagnosticMessage(report);
        Console.WriteLine(report);
    }

    private static async Task<TimeSpan> TimeAsync(string cache)
    {
        await using var tools = await ToolHarness.StartAsync(new Dictionary<string, string?> { ["Kiln:Packages:CacheDirectory"] = cache });
        await ToolRequires.SandboxAndNodeAsync(tools);
        ToolRequires.Pnpm();
        await ToolRequires.RegistryAsync();
        var clock = Stopwatch.StartNew();
        var scaffold = await tools.CallAsync("create_vite_app", new { template = "react-ts" });
        var install = await tools.CallAsync("install_dependencies", new { });
        clock.Stop();
        Assert.False(scaffold.IsError, scaffold.Text);
        Assert.False(install.IsError, install.Text);
        return clock.Elapsed;
    }

    private static TimeSpan Median(List<TimeSpan> samples) => samples.Order().ElementAt(samples.Count / 2);
}
