using System.Diagnostics;

namespace Kiln.Testing;

/// <summary>
/// A program a test runs to completion outside Kiln (git, node, Chromium, pnpm, systemd-analyze): the reference a
/// test compares Kiln with, or a step that prepares what Kiln is given.
/// </summary>
public static class ExternalProgram
{
    /// <summary>
    /// Runs <paramref name="program"/> with nothing on its standard input (so a prompt never waits for an answer) and
    /// returns what it left; past <paramref name="timeout"/> it is killed with everything it started and a
    /// <see cref="TimeoutException"/> carries what it wrote to standard error. <paramref name="environment"/> sets
    /// variables for it; a null value removes one it would inherit.
    /// </summary>
    public static async Task<ProgramResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
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
        process.StandardInput.Close();
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output, cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{Path.GetFileName(program)} did not finish within {timeout}: {await errors}");
        }

        await copy;
        return new ProgramResult(process.ExitCode, output.ToArray(), await errors);
    }
}
