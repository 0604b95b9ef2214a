using System.Diagnostics;
using System.Text;

namespace Kiln.Tests.Versions;

/// <summary>
/// git run directly by the test on an app's repository, outside Kiln and its sandbox: the reference Kiln's answers are
/// compared with, and the way to look at the repository without trusting Kiln's own reading of it.
/// </summary>
internal static class DirectGit
{
    /// <summary>Runs git in <paramref name="appDirectory"/> and returns its standard output as bytes; fails the test if git fails.</summary>
    public static async Task<byte[]> RunAsync(string appDirectory, params string[] arguments)
    {
        var home = Directory.CreateTempSubdirectory("kiln-test-git-home-").FullName;
        try
        {
            var start = new ProcessStartInfo("git")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = appDirectory,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["HOME"] = home;
            start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
            start.Environment["GIT_DIR"] = Path.Combine(appDirectory, ".git");
            start.Environment["GIT_WORK_TREE"] = appDirectory;
            using var process = Process.Start(start) ?? throw new InvalidOperationException("git did not start.");
            using var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output, TestContext.Current.CancellationToken);
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            await copy;
            Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors}");
            return output.ToArray();
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    public static async Task<string> TextAsync(string appDirectory, params string[] arguments) =>
        Encoding.UTF8.GetString(await RunAsync(appDirectory, arguments)).Trim();
}
