using Kiln.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kiln.Bench;

/// <summary>What the process sandbox costs per command: <c>true</c> through the runner with bubblewrap, against without.</summary>
public static class SandboxOverhead
{
    public static async Task<Measurement.Result> RunAsync(int samples)
    {
        var directory = Directory.CreateTempSubdirectory("kiln-bench-sandbox").FullName;
        try
        {
            await using var sandboxed = Runner(SandboxMode.Required);
            await using var direct = Runner(SandboxMode.None);
            var spec = new ProcessSpec(["true"], directory, [directory]);
            return await Measurement.CompareAsync(
                "sandbox: 'true' with bwrap vs without",
                samples,
                () => RunAsync(sandboxed, spec),
                () => RunAsync(direct, spec),
                target: "report (isolation costs a namespace setup per command)");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static SandboxedProcessRunner Runner(SandboxMode mode) =>
        new(Options.Create(new SandboxOptions { Mode = mode }), NullLogger<SandboxedProcessRunner>.Instance, TimeProvider.System);

    private static async Task RunAsync(SandboxedProcessRunner runner, ProcessSpec spec)
    {
        var result = await runner.RunAsync(spec, null, CancellationToken.None);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'true' exited with {result.ExitCode}: {result.Output}");
        }
    }
}
