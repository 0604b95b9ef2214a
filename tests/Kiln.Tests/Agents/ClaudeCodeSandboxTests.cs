using System.Text;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Sandbox;

namespace Kiln.Tests.Agents;

/// <summary>
/// The real Claude Code CLI in its sandbox, driven by a scripted model that tries to get out: its built-in tools are
/// refused, and what its process can see holds its own session directory and the system, not Kiln or other projects.
/// </summary>
[Slow]
public sealed class ClaudeCodeSandboxTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string OtherProjectSecret = "other-project-secret-7f3a";
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync() => _model = await ScriptedModelServer.StartAsync();

    public async ValueTask DisposeAsync() => await _model.DisposeAsync();

    private KilnApp StartKiln(string sandboxMode = "bwrap") => KilnApp.Start(new Dictionary<string, string?>
    {
        ["Anthropic:ApiKey"] = "sk-test-scripted",
        ["Anthropic:BaseUrl"] = _model.BaseUrl,
        ["Kiln:Agent:Model"] = "claude-sonnet-4-5",
        ["Kiln:Agent:Runtime"] = "claude-code",
        ["Kiln:Agent:ClaudePath"] = Requires.ClaudeCli(),
        ["Kiln:Sandbox:Mode"] = sandboxMode,
    });

    [Fact]
    public async Task The_cli_cannot_read_kilns_settings_or_another_project_and_sees_neither()
    {
        await using var kiln = StartKiln();
        await kiln.Services.RequireBubblewrapAsync();
        var settings = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        Assert.True(File.Exists(settings));

        _model.Enqueue(ScriptedReply.ToolUse("mcp__kiln__write_file", new { path = "secret.txt", content = OtherProjectSecret }), ScriptedReply.Text("Kept."));
        var other = await kiln.GenerateAsync("keep a secret");
        await kiln.WaitForStatusAsync(other, Timeout, "ready");
        var otherFile = Path.Combine(kiln.ProjectsRoot, other, ProjectWorkspace.AppDirectoryName, "secret.txt");
        Assert.Equal(OtherProjectSecret, await File.ReadAllTextAsync(otherFile));

        // The model names the CLI's own tools, which it was never offered, on files that are not this project's.
        _model.Enqueue(
            ScriptedReply.Of(
                ScriptedContent.ToolUse("Read", new { file_path = settings }),
                ScriptedContent.ToolUse("Bash", new { command = $"cat {otherFile} {settings}" }),
                ScriptedContent.ToolUse("Grep", new { pattern = "secret", path = kiln.ProjectsRoot })),
            ScriptedReply.Hanging);
        var projectId = await kiln.GenerateAsync("read what is not yours");
        var answered = await _model.WaitForRequestAsync(r => r.ToolResults.Count >= 3, new CancellationTokenSource(Timeout).Token);

        Assert.All(answered.ToolResults, result =>
        {
            Assert.True(result.IsError, result.Text);
            Assert.DoesNotContain(OtherProjectSecret, result.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"Logging\"", result.Text, StringComparison.Ordinal);
        });

        // While the CLI waits for the model's next answer, look at the filesystem its process sees.
        var root = $"/proc/{CliProcess(Path.Combine(kiln.ProjectsRoot, projectId))}/root";
        Assert.Equal([projectId], Entries(root + kiln.ProjectsRoot));
        Assert.Equal([ProjectWorkspace.SessionDirectoryName, ProjectWorkspace.AppDirectoryName], Entries($"{root}{kiln.ProjectsRoot}/{projectId}").Order(StringComparer.Ordinal));
        // Its working directory is there but empty: the project's files reach the model only through Kiln's tools.
        Assert.Empty(Entries($"{root}{kiln.ProjectsRoot}/{projectId}/{ProjectWorkspace.AppDirectoryName}"));
        Assert.False(File.Exists(root + settings));
        Assert.False(Directory.Exists(root + AppContext.BaseDirectory));
        Assert.False(File.Exists(root + otherFile));
        var userHome = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.False(Directory.Exists(Path.Join(root + userHome, ".claude")));
        // The system is there read-only, the CLI's install with it.
        Assert.True(File.Exists(root + "/usr/bin/env"));

        using var client = kiln.Client();
        using var response = await client.PostAsync($"/api/projects/{projectId}/cancel", null);
        await kiln.WaitForStatusAsync(projectId, Timeout, "cancelled");
    }

    [Fact]
    public async Task Without_bubblewrap_the_cli_starts_directly_and_kiln_says_so()
    {
        _model.Enqueue(ScriptedReply.Text("Direct."));
        await using var kiln = StartKiln(sandboxMode: "none");

        var projectId = await kiln.GenerateAsync("anything");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        Assert.Contains(kiln.Log.Entries, e => e.Message.StartsWith("Sandbox degraded: the Claude Code CLI runs without bubblewrap", StringComparison.Ordinal));
    }

    /// <summary>The CLI's pid as this machine sees it: the process under the project's directory whose argv[0] is not bwrap.</summary>
    private static int CliProcess(string projectDirectory)
    {
        var home = Encoding.UTF8.GetBytes($"HOME={Path.Combine(projectDirectory, ProjectWorkspace.SessionDirectoryName)}\0");
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var argv = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                if (argv.Contains("--input-format=stream-json") && Path.GetFileName(argv[0]) != "bwrap" &&
                    File.ReadAllBytes(Path.Combine(directory, "environ")).AsSpan().IndexOf(home) >= 0)
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }

        throw new InvalidOperationException($"No Claude Code CLI runs for {projectDirectory}.");
    }

    private static List<string> Entries(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>()];
}
