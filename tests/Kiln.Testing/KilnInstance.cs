using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kiln.Testing;

/// <summary>
/// Kiln as a process of its own on a loopback port, so a test can kill it the way a machine dies (SIGKILL,
/// no shutdown code at all). Its output is kept for a failing test's message.
/// </summary>
public sealed partial class KilnInstance : IAsyncDisposable
{
    private const int KeptOutputLines = 400;
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private KilnInstance(Process process) => _process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines Kiln wrote, stdout and stderr together.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <param name="kilnAssembly">Kiln.dll (<c>typeof(Program).Assembly.Location</c> where Kiln is referenced).</param>
    /// <param name="settings">Configuration, as a person would pass it on the command line.</param>
    /// <param name="cancellationToken">Gives up waiting for it to listen.</param>
    public static async Task<KilnInstance> StartAsync(string kilnAssembly, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(kilnAssembly);
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        // Never reach a real model from a test, whatever the machine's environment holds.
        start.Environment.Remove("ANTHROPIC_API_KEY");
        start.Environment.Remove("ANTHROPIC_BASE_URL");
        var instance = new KilnInstance(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        instance._process.OutputDataReceived += (_, line) => instance.Keep(line.Data, listening);
        instance._process.ErrorDataReceived += (_, line) => instance.Keep(line.Data, listening);
        instance._process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"Kiln exited before listening:\n{instance.Output}"));
        instance._process.EnableRaisingEvents = true;
        instance._process.BeginOutputReadLine();
        instance._process.BeginErrorReadLine();

        try
        {
            instance.BaseAddress = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }

        return instance;
    }

    /// <summary>SIGKILL to Kiln and everything it started: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// SIGKILL to Kiln's own process and nothing else, the way the kernel's OOM killer ends it: what Kiln started is
    /// left to the kernel and to Kiln's own safeguards, so a test can see whether any of it outlives Kiln.
    /// </summary>
    public async Task KillKilnOnlyAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
    }

    private void Keep(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptOutputLines)
            {
                _output.Dequeue();
            }
        }

        if (Listening().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    // [^\s"]: in a JSON log line the address is followed by a quote.
    [GeneratedRegex(@"Now listening on: (http://[^\s""]+)")]
    private static partial Regex Listening();
}
