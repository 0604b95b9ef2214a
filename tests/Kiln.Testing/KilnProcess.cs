using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Kiln.Testing;

/// <summary>
/// Kiln as a process of its own on a loopback port, started the way systemd or a container starts it, so a test can
/// do to it what happens to a real one: SIGTERM and watch it drain and exit, or SIGKILL the way a machine dies (no
/// shutdown code at all). Its output is kept for a failing test's message.
/// </summary>
public sealed partial class KilnProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 1000;
    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private KilnProcess(Process process) => _process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

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
    public static async Task<KilnProcess> StartAsync(string kilnAssembly, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
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
        var kiln = new KilnProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        kiln._process.OutputDataReceived += (_, line) => kiln.Keep(line.Data, listening);
        kiln._process.ErrorDataReceived += (_, line) => kiln.Keep(line.Data, listening);
        kiln._process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"Kiln exited before listening:\n{kiln.Output}"));
        kiln._process.EnableRaisingEvents = true;
        kiln._process.BeginOutputReadLine();
        kiln._process.BeginErrorReadLine();

        try
        {
            kiln.BaseAddress = await listening.Task.WaitAsync(StartTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            await kiln.DisposeAsync();
            throw new InvalidOperationException($"Kiln did not start listening within {StartTimeout}:\n{kiln.Output}");
        }
        catch
        {
            await kiln.DisposeAsync();
            throw;
        }

        return kiln;
    }

    /// <summary>A client for Kiln's API, with a timeout long enough for a busy test machine.</summary>
    public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Sends SIGTERM, as systemd, Docker and Kubernetes do to stop a service.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"SIGTERM to Kiln ({_process.Id}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>SIGSTOP to Kiln's own process: it stops answering, as a machine that froze or a long GC pause would; what it started runs on.</summary>
    public void Pause() => Signal(SigStop, "SIGSTOP");

    /// <summary>SIGCONT: a paused Kiln carries on where it was, unaware of the time that passed.</summary>
    public void Resume() => Signal(SigCont, "SIGCONT");

    private void Signal(int signal, string name)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"{name} to Kiln ({_process.Id}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Waits for Kiln to exit by itself (after <see cref="Terminate"/>); fails the test past <paramref name="timeout"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            // Also waits for the last of its output to be read.
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Kiln did not exit within {timeout}. Its output:\n{Output}");
        }
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

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
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

    // .NET sends only SIGKILL; SIGTERM, the signal a service manager stops a service with, takes libc.
    // DllImport rather than LibraryImport: the generated stubs need unsafe code, which the tests do not enable.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);

    // [^\s"]: in a JSON log line the address is followed by a quote.
    [GeneratedRegex(@"Now listening on: (http://[^\s""]+)")]
    private static partial Regex Listening();
}
