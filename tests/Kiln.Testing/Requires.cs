using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Kiln.ClaudeAgent;

namespace Kiln.Testing;

/// <summary>
/// What a test needs from the machine, all of which scripts/install.sh installs. A test that finds something missing
/// fails under CI=true, where a missing tool would mean the check is never made, and is skipped elsewhere; either way
/// its message names the install step.
/// </summary>
public static class Requires
{
    /// <summary>The one step that installs every program the tests use.</summary>
    public const string InstallStep = "bash scripts/install.sh test";

    // Where Debian puts programs that a test runner's PATH may leave out (nginx is in /usr/sbin).
    private static readonly string[] SystemDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    private static readonly Lazy<Task<string?>> RegistryProblem = new(ProbeRegistryAsync);

    /// <summary>node and npm; returns node's path.</summary>
    public static string Node()
    {
        Program("npm", "apt-get install -y npm");
        return Program("node", "apt-get install -y nodejs");
    }

    /// <summary>pnpm, and the node it runs on; returns pnpm's path.</summary>
    public static string Pnpm()
    {
        Node();
        return Program("pnpm", "npm install -g pnpm");
    }

    public static string Git() => Program("git", "apt-get install -y git");

    public static string RedisServer() => Program("redis-server", "apt-get install -y redis-server");

    public static string Nginx() => Program("nginx", "apt-get install -y nginx");

    public static string SystemdAnalyze() => Program("systemd-analyze", "apt-get install -y systemd");

    /// <summary>Debian's Chromium (the browser tests drive it; Playwright never downloads one).</summary>
    public static string Chromium() =>
        Find("chromium") ?? Find("chromium-browser") ?? Find("google-chrome") ?? Missing("chromium", "apt-get install -y chromium");

    /// <summary>The real Claude Code CLI, found where the agent library looks for it.</summary>
    public static string ClaudeCli()
    {
        try
        {
            return CliLocator.Find();
        }
        catch (CliNotFoundException exception)
        {
            return Missing("the Claude Code CLI (claude)", "npm install -g @anthropic-ai/claude-code", exception.Message);
        }
    }

    /// <summary>bubblewrap isolating commands here, as the sandbox's own probe (<paramref name="description"/>) found it.</summary>
    public static void Bubblewrap(bool isolated, string description)
    {
        if (!isolated)
        {
            Missing("bubblewrap (bwrap, with user namespaces)", "apt-get install -y bubblewrap", description);
        }
    }

    /// <summary>The public npm registry answers: the first scaffold of a template fetches its scaffolder there.</summary>
    public static async Task NpmRegistryAsync()
    {
        if (await RegistryProblem.Value is { } problem)
        {
            Unavailable($"The npm registry (https://registry.npmjs.org) is required for this test and is not reachable: {problem}");
        }
    }

    /// <summary>
    /// The path of <paramref name="name"/> on PATH or in the system's directories; when it is missing, fails on CI
    /// and skips elsewhere, naming the install step and <paramref name="manualStep"/> (what it does for this program).
    /// </summary>
    public static string Program(string name, string manualStep) => Find(name) ?? Missing(name, manualStep);

    /// <summary>The path of <paramref name="name"/> on PATH or in the system's directories, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(SystemDirectories)
            .Select(directory => Path.Join(directory, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Fails the test on CI (CI=true) and skips it elsewhere, with <paramref name="message"/>.</summary>
    [DoesNotReturn]
    public static void Unavailable(string message)
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        throw new UnreachableException();
    }

    private static string Missing(string what, string manualStep, string? detail = null)
    {
        Unavailable($"{what} is required for this test and is not installed here; install it with `{InstallStep}` " +
                    $"(for this one alone: `{manualStep}`).{(detail is null ? "" : $" {detail}")}");
        throw new UnreachableException();
    }

    private static async Task<string?> ProbeRegistryAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.GetAsync("https://registry.npmjs.org/create-vite/latest", HttpCompletionOption.ResponseHeadersRead);
            return response.IsSuccessStatusCode ? null : $"it answered {(int)response.StatusCode}";
        }
        catch (HttpRequestException exception)
        {
            return exception.Message;
        }
        catch (TaskCanceledException)
        {
            return "it did not answer within 10 seconds";
        }
    }
}
