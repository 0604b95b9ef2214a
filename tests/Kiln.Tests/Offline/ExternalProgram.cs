using System.Diagnostics;
using System.Text;

namespace Kiln.Tests.Offline;

/// <summary>
/// Node and Chromium, which some offline-model tests need. When one is missing the test is skipped, or fails with the
/// install step when CI=true, so a CI machine can't silently skip the checks that matter.
/// </summary>
internal static class ExternalProgram
{
    public static string Node() =>
        Find("KILN_NODE", ["/usr/bin/node", "/usr/local/bin/node"], "node", "apt-get install -y nodejs");

    public static string Chromium() =>
        Find("KILN_CHROMIUM", ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"], "chromium", "apt-get install -y chromium");

    private static string Find(string variable, string[] candidates, string name, string install)
    {
        var configured = Environment.GetEnvironmentVariable(variable);
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name));
        var found = (configured is null ? candidates : [configured, .. candidates]).Concat(onPath).FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }
        var message = $"{name} is not installed; install it with `{install}` (or set {variable} to its path).";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(message);
        }
        Assert.Skip(message);
        throw new UnreachableException();
    }

    /// <summary>
    /// Runs a program to completion (killing it after <paramref name="timeout"/>) and returns its exit code and output.
    /// <paramref name="environment"/> sets variables for it; a null value removes one it would inherit.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Errors)> Run(
        string program, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(program)} did not finish within {timeout}: {await errors}");
        }
        return (process.ExitCode, await output, await errors);
    }
}

/// <summary>A planned app written to a temporary folder, deleted afterwards.</summary>
internal sealed class AppFolder : IDisposable
{
    public AppFolder(Kiln.Offline.OfflineAppPlan plan)
    {
        Path = Directory.CreateTempSubdirectory("kiln-offline-app-").FullName;
        foreach (var file in plan.Files)
        {
            File.WriteAllText(System.IO.Path.Combine(Path, file.Path), file.Content, new UTF8Encoding(false));
        }
    }

    public string Path { get; }

    public string Read(string file) => File.ReadAllText(System.IO.Path.Combine(Path, file));

    public void Write(string file, string content) => File.WriteAllText(System.IO.Path.Combine(Path, file), content, new UTF8Encoding(false));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
