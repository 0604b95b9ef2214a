using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kiln.Tests.Sandbox;

namespace Kiln.Tests.Operations;

/// <summary>
/// Kiln as its own process, started the way systemd or a container starts it, so a test can send it real signals
/// and watch it exit. Its output is kept for the failure message.
/// </summary>
public sealed partial class KilnProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly Task _pumps;

    private KilnProcess(Process process, Uri baseAddress, StringBuilder output, Task pumps)
    {
        _process = process;
        BaseAddress = baseAddress;
        _output = output;
        _pumps = pumps;
    }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything Kiln printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<KilnProcess> StartAsync(IReadOnlyDictionary<string, string> settings, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        start.ArgumentList.Add("--Logging:Console:FormatterName=simple");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment.Remove("ANTHROPIC_API_KEY");
        start.Environment.Remove("ANTHROPIC_BASE_URL");
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, output, listening), PumpAsync(process.StandardError, output, null));
        try
        {
            return new KilnProcess(process, await listening.Task.WaitAsync(timeout), output, pumps);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"Kiln did not start listening within {timeout}: {output}");
        }
    }

    /// <summary>Sends SIGTERM, as systemd, Docker and Kubernetes do to stop a service.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(Requires.OnPath("kill") ?? "/bin/kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Kiln did not exit within {timeout} of SIGTERM. Its output:\n{Output}");
        }

        await _pumps;
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output, TaskCompletionSource<Uri>? listening)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }

            if (listening is not null && Listening().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
