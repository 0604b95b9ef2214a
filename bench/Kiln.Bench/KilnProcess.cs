using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kiln.Bench;

/// <summary>Kiln as its own process on a loopback port, the way a person runs it.</summary>
public sealed partial class KilnProcess : IAsyncDisposable
{
    private readonly Process _process;

    private KilnProcess(Process process, Uri baseAddress, string root)
    {
        _process = process;
        BaseAddress = baseAddress;
        Root = root;
    }

    public Uri BaseAddress { get; }

    public string Root { get; }

    public static async Task<KilnProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var root = Directory.CreateTempSubdirectory("kiln-bench-").FullName;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(Kiln.KilnServices).Assembly.Location);
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        start.ArgumentList.Add($"--Kiln:ProjectsRoot={root}");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment.Remove("ANTHROPIC_API_KEY");
        var process = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (Listening().Match(line) is { Success: true } match)
            {
                // Keep draining its output so the process never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
                return new KilnProcess(process, new Uri(match.Groups[1].Value), root);
            }
        }

        throw new InvalidOperationException($"Kiln exited before listening: {await process.StandardError.ReadToEndAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
