using System.Text;
using Kiln.Testing;

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
            var git = await ExternalProgram.RunAsync(Requires.Git(), arguments, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken, appDirectory, new Dictionary<string, string?>
            {
                ["HOME"] = home,
                ["GIT_CONFIG_NOSYSTEM"] = "1",
                ["GIT_DIR"] = Path.Combine(appDirectory, ".git"),
                ["GIT_WORK_TREE"] = appDirectory,
            });
            Assert.True(git.ExitCode == 0, $"git {string.Join(' ', arguments)} exited with {git.ExitCode}: {git.Errors}");
            return git.OutputBytes;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    public static async Task<string> TextAsync(string appDirectory, params string[] arguments) =>
        Encoding.UTF8.GetString(await RunAsync(appDirectory, arguments)).Trim();
}
