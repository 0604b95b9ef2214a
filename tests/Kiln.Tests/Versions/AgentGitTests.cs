using System.Security.Cryptography;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Sandbox;
using Kiln.Tests.Tools;
using Kiln.Versions;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Versions;

/// <summary>
/// The agent reads the app's history but never writes it: every git command that would change the repository is
/// refused through the real run_command tool, and the repository is byte for byte what Kiln committed.
/// </summary>
public sealed class AgentGitTests : IAsyncLifetime
{
    private ToolHarness _tools = null!;

    public async ValueTask InitializeAsync()
    {
        _tools = await ToolHarness.StartAsync();
        _tools.Write("index.html", "<h1>Kept</h1>\n");
        _tools.Write("src/app.js", "console.log('kept');\n");
        var now = DateTimeOffset.UtcNow;
        await _tools.Services.GetRequiredService<IProjectStore>().CreateAsync(new Project
        {
            Id = _tools.ProjectId,
            Status = ProjectStatus.Ready,
            Prompts = [new ProjectPrompt("a page to keep", now)],
            CreatedAt = now,
            UpdatedAt = now,
            Runtime = "builtin",
            Model = "none",
        }, CancellationToken.None);
        Assert.NotNull(await _tools.Services.GetRequiredService<VersionHistory>()
            .RecordGenerationAsync(_tools.ProjectId, ProjectStatus.Ready, CancellationToken.None));
        // An uncommitted change, which a checkout, reset, restore or stash would throw away.
        _tools.Write("index.html", "<h1>Kept, and changed since</h1>\n");
    }

    public ValueTask DisposeAsync() => _tools.DisposeAsync();

    [Fact]
    public async Task The_agent_can_read_the_history()
    {
        Requires.Git();
        await _tools.Services.RequireBubblewrapAsync();

        var (isError, text) = await RunAsync("git log --format=%s");
        Assert.False(isError, text);
        Assert.Contains("a page to keep", text, StringComparison.Ordinal);

        (isError, text) = await RunAsync("git diff --stat");
        Assert.False(isError, text);
        Assert.Contains("index.html", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("git commit -am sneaky")]
    [InlineData("git commit --allow-empty -m sneaky")]
    [InlineData("git reset --hard")]
    [InlineData("git reset --soft HEAD")]
    [InlineData("git checkout -- index.html")]
    [InlineData("git checkout -b other")]
    [InlineData("git switch -c other")]
    [InlineData("git restore index.html")]
    [InlineData("git stash")]
    [InlineData("git add index.html")]
    [InlineData("git rm --cached index.html")]
    [InlineData("git clean -fdx")]
    [InlineData("git tag v1")]
    [InlineData("git branch other")]
    [InlineData("git branch -D main")]
    [InlineData("git branch -m main other")]
    [InlineData("git update-ref refs/heads/main HEAD")]
    [InlineData("git update-index --assume-unchanged index.html")]
    [InlineData("git config user.name Mallory")]
    [InlineData("git notes add -m note")]
    [InlineData("git gc")]
    [InlineData("git reflog expire --all")]
    [InlineData("git init")]
    [InlineData("git -c core.hooksPath=hooks status")]
    [InlineData("git --git-dir=.git log")]
    [InlineData("git --work-tree=src status")]
    [InlineData("cat .git/HEAD")]
    [InlineData("rm -rf .git")]
    [InlineData("touch .git/index.lock")]
    [InlineData("cp index.html .git/HEAD")]
    public async Task A_git_write_through_run_command_is_refused_and_changes_nothing(string command)
    {
        Requires.Git();
        var before = RepositoryState();

        var (isError, text) = await RunAsync(command);

        Assert.True(isError, $"'{command}' was not refused: {text}");
        Assert.Contains("Refused", text, StringComparison.OrdinalIgnoreCase);
        AssertUnchanged(before, command);
    }

    [Theory]
    [InlineData("git diff --output=.git/HEAD")]
    [InlineData("git log --output=.git/refs/heads/main")]
    [InlineData("git show --output=.git/index HEAD")]
    [InlineData("git status")]
    [InlineData("git ls-files --stage")]
    public async Task A_reading_command_that_could_write_leaves_the_repository_as_it_was(string command)
    {
        Requires.Git();
        await _tools.Services.RequireBubblewrapAsync();
        var before = RepositoryState();

        await RunAsync(command);

        AssertUnchanged(before, command);
    }

    private Task<(bool IsError, string Text)> RunAsync(string command) =>
        _tools.CallAsync("run_command", new { command });

    private void AssertUnchanged(Dictionary<string, string> before, string command)
    {
        var after = RepositoryState();
        Assert.True(
            before.Count == after.Count && before.All(entry => after.TryGetValue(entry.Key, out var hash) && hash == entry.Value),
            $"'{command}' changed the repository: {string.Join(", ", before.Keys.Union(after.Keys).Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k)))}");
        Assert.Equal("<h1>Kept, and changed since</h1>\n", File.ReadAllText(Path.Combine(_tools.AppDirectory, "index.html")));
        Assert.Equal("console.log('kept');\n", File.ReadAllText(Path.Combine(_tools.AppDirectory, "src/app.js")));
    }

    /// <summary>Every file under .git with a hash of its bytes.</summary>
    private Dictionary<string, string> RepositoryState()
    {
        var git = Path.Combine(_tools.AppDirectory, ".git");
        Assert.True(File.Exists(Path.Combine(git, "HEAD")), "Kiln made no repository");
        return Directory.EnumerateFiles(git, "*", SearchOption.AllDirectories)
            .ToDictionary(path => Path.GetRelativePath(git, path), path => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))), StringComparer.Ordinal);
    }
}
