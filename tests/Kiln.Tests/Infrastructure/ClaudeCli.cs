using Kiln.ClaudeAgent;

namespace Kiln.Tests.Infrastructure;

/// <summary>The real Claude Code CLI, which the claude-code runtime's tests need.</summary>
public static class ClaudeCli
{
    public const string InstallStep = "npm install -g @anthropic-ai/claude-code@2.1.332 (scripts/test.sh does it)";

    /// <summary>The CLI's path; when it is missing the test fails on CI and is skipped elsewhere, naming the install step.</summary>
    public static string Require()
    {
        try
        {
            return CliLocator.Find();
        }
        catch (CliNotFoundException exception)
        {
            var message = $"This test drives the real Claude Code CLI, which is not installed: {InstallStep}. {exception.Message}";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
            throw;
        }
    }
}
