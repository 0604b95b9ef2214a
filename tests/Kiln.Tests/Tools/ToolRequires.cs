using Kiln.Sandbox;
using Kiln.Tests.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Tools;

/// <summary>
/// What the command, install and scaffold tests need. Missing on a developer machine: the test is skipped with the
/// install step. Missing on CI (CI=true): the test fails with it, so CI never silently skips them.
/// </summary>
internal static class ToolRequires
{
    /// <summary>The pnpm release scripts/install.sh installs.</summary>
    public const string PnpmPackage = "pnpm@10.34.9";

    private static readonly Lazy<Task<string?>> RegistryProblem = new(ProbeRegistryAsync);

    /// <summary>bubblewrap working here, and node and npm.</summary>
    public static async Task SandboxAndNodeAsync(ToolHarness tools)
    {
        await Requires.BubblewrapAsync(tools.Services.GetRequiredService<SandboxedProcessRunner>());
        Requires.Node();
    }

    public static void Pnpm()
    {
        if (Requires.OnPath("pnpm") is null)
        {
            Unavailable($"pnpm is required for this test; install it with 'npm install -g {PnpmPackage}' (bash scripts/install.sh test does).");
        }
    }

    /// <summary>The public npm registry answers: the first scaffold of a template fetches its scaffolder there.</summary>
    public static async Task RegistryAsync()
    {
        if (await RegistryProblem.Value is { } problem)
        {
            Unavailable($"the npm registry (https://registry.npmjs.org) is required for this test and is not reachable: {problem}");
        }
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

    private static void Unavailable(string message)
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }
}
