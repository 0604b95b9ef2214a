using Kiln.Sandbox;
using Kiln.Tools;

namespace Kiln.Offline;

/// <summary>Whether the offline model's Vite apps can be built here, and why (or why not), in a sentence for the log.</summary>
public sealed record ViteToolchainStatus(bool Usable, string Description);

/// <summary>
/// Finds out once, by running <c>node --version</c> and <c>pnpm --version</c> through the sandbox exactly as the tools
/// will run them, whether this machine can scaffold, install and serve a Vite app. The tools pick pnpm by the same
/// search path (<see cref="PackageManager"/>), so when this says yes, create_vite_app and install_dependencies find
/// the same programs; when it says no, the offline model builds the static app without trying.
/// </summary>
public sealed class ViteToolchain
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(20);

    private readonly SandboxedProcessRunner _runner;
    private readonly PackageManager _packages;
    private readonly Lazy<Task<ViteToolchainStatus>> _status;

    public ViteToolchain(SandboxedProcessRunner runner, PackageManager packages)
    {
        _runner = runner;
        _packages = packages;
        _status = new Lazy<Task<ViteToolchainStatus>>(ProbeAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Task<ViteToolchainStatus> GetStatusAsync(CancellationToken cancellationToken) => _status.Value.WaitAsync(cancellationToken);

    private async Task<ViteToolchainStatus> ProbeAsync()
    {
        if (_packages.Kind != PackageManagerChoice.Pnpm)
        {
            return new ViteToolchainStatus(false, "pnpm is not on the sandbox's search path (Kiln:Sandbox:SearchPath)");
        }

        // An empty directory of Kiln's own to run in: a command needs a writable working directory.
        var directory = Directory.CreateDirectory(Path.Combine(_packages.CacheRoot, "toolchain-probe")).FullName;
        var versions = new List<string>();
        foreach (var program in new[] { "node", "pnpm" })
        {
            var spec = new ProcessSpec([program, "--version"], directory, [directory])
            {
                Timeout = ProbeTimeout,
                Environment = _packages.Environment(),
            };
            ProcessResult result;
            try
            {
                result = await _runner.RunAsync(spec, onOutputLine: null, CancellationToken.None);
            }
            catch (SandboxUnavailableException exception)
            {
                return new ViteToolchainStatus(false, $"the sandbox cannot run commands: {exception.Message}");
            }

            var output = result.Output.Trim();
            if (result.ExitCode != 0 || result.TimedOut)
            {
                var why = result.TimedOut ? "timed out" : $"exited with {result.ExitCode}";
                return new ViteToolchainStatus(false, $"'{program} --version' {why} in the sandbox: {Last(output)}");
            }

            versions.Add($"{program} {Last(output)}");
        }

        return new ViteToolchainStatus(true, string.Join(", ", versions) + " run in the sandbox");
    }

    private static string Last(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";
}
