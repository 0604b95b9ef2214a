using System.Diagnostics;
using System.Text;

namespace Kiln.Tests.Offline;

/// <summary>A program run to completion by an offline-model test.</summary>
internal static class ExternalProgram
{
    /// <summary>Runs a program to completion (killing it after <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> Run(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
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
