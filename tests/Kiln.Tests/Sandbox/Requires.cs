using Kiln.Sandbox;

namespace Kiln.Tests.Sandbox;

/// <summary>
/// Tests that need bubblewrap or node skip with the install step on a developer machine, and fail
/// on CI (CI=true), where a missing tool means the sandbox is not being tested at all.
/// </summary>
internal static class Requires
{
    public static async Task BubblewrapAsync(SandboxedProcessRunner runner)
    {
        var status = await runner.GetStatusAsync(TestContext.Current.CancellationToken);
        if (!status.Isolated)
        {
            Unavailable($"bubblewrap is required for this test; install it with 'apt-get install -y bubblewrap'. ({status.Description})");
        }
    }

    public static void Node()
    {
        if (OnPath("node") is null || OnPath("npm") is null)
        {
            Unavailable("node and npm are required for this test; install them with 'apt-get install -y nodejs npm'.");
        }
    }

    public static void Pnpm()
    {
        Node();
        if (OnPath("pnpm") is null)
        {
            Unavailable("pnpm is required for this test; install it with 'npm install -g pnpm'.");
        }
    }

    public static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Join(d, program))
            .FirstOrDefault(File.Exists);

    /// <summary>Fails on CI, skips elsewhere, with a message that names the missing step.</summary>
    public static void Unavailable(string message)
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }
}
