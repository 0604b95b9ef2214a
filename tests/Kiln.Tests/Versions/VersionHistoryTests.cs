using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Versions;

/// <summary>Versions as a person gets them: a prompt and a follow-up with the offline model, then the API.</summary>
public sealed class VersionHistoryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_prompt_and_a_follow_up_are_two_versions_with_their_prompts_outcomes_and_counts()
    {
        Requires.Git();
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("Build a todo app for my groceries");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await kiln.GenerateAsync("make it dark", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        using var client = kiln.Client();
        var versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", TestContext.Current.CancellationToken))
            .EnumerateArray().ToList();

        Assert.Equal(2, versions.Count);
        var (first, second) = (versions[0], versions[1]);
        Assert.Equal(1, first.GetProperty("number").GetInt32());
        Assert.Equal(2, second.GetProperty("number").GetInt32());
        Assert.Equal("Build a todo app for my groceries", first.GetProperty("prompt").GetString());
        Assert.Equal("make it dark", second.GetProperty("prompt").GetString());
        Assert.All(versions, v => Assert.Equal("ready", v.GetProperty("outcome").GetString()));

        // The numbers are git's own: the first version adds the app's files, the follow-up changes some lines.
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        var files = (await DirectGit.TextAsync(app, "ls-tree", "-r", "--name-only", first.GetProperty("commit").GetString()!)).Split('\n');
        Assert.Contains("index.html", files);
        Assert.Equal(files.Length, first.GetProperty("filesChanged").GetInt32());
        Assert.Equal(0, first.GetProperty("deletions").GetInt32());
        foreach (var version in versions)
        {
            var commit = version.GetProperty("commit").GetString()!;
            var stat = await DirectGit.TextAsync(app, "show", "--numstat", "--format=", commit);
            var lines = stat.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
            Assert.Equal(lines.Count, version.GetProperty("filesChanged").GetInt32());
            Assert.Equal(lines.Sum(l => int.Parse(l[0], System.Globalization.CultureInfo.InvariantCulture)), version.GetProperty("insertions").GetInt32());
            Assert.Equal(lines.Sum(l => int.Parse(l[1], System.Globalization.CultureInfo.InvariantCulture)), version.GetProperty("deletions").GetInt32());
            Assert.True(version.GetProperty("insertions").GetInt32() > 0);
        }

        // History is git's: two commits, oldest first, each message the prompt then Kiln's trailers.
        var commits = (await DirectGit.TextAsync(app, "log", "--reverse", "--format=%H")).Split('\n');
        Assert.Equal(versions.Select(v => v.GetProperty("commit").GetString()), commits);
        var message = await DirectGit.TextAsync(app, "log", "-1", "--format=%B");
        var firstEvent = second.GetProperty("firstEvent").GetInt64();
        var lastEvent = second.GetProperty("lastEvent").GetInt64();
        Assert.Equal($"make it dark\n\nKiln-Outcome: ready\nKiln-Events: {firstEvent}-{lastEvent}", message);
        Assert.Equal("Kiln <kiln@localhost>", await DirectGit.TextAsync(app, "log", "-1", "--format=%an <%ae>"));

        // The range is the follow-up's own events: from its generation_queued, through its work, to just before its version.
        await using var stream = kiln.Events(projectId);
        using var deadline = new CancellationTokenSource(Timeout);
        var events = new List<JsonElement>();
        while (await stream.NextAsync(deadline.Token) is { } next)
        {
            events.Add(next);
            if (next.GetProperty("type").GetString() == "status_changed" && next.GetProperty("seq").GetInt64() > lastEvent)
            {
                break;
            }
        }

        string TypeOf(long seq) => events.Single(e => e.GetProperty("seq").GetInt64() == seq).GetProperty("type").GetString()!;
        Assert.Equal("generation_queued", TypeOf(firstEvent));
        Assert.True(first.GetProperty("lastEvent").GetInt64() < firstEvent);
        Assert.Equal("version_created", TypeOf(lastEvent + 1));
        Assert.Equal("generation_completed", TypeOf(lastEvent + 2));
        var created = events.Where(e => e.GetProperty("type").GetString() == "version_created").Select(e => e.GetProperty("data")).ToList();
        Assert.Equal([1, 2], created.Select(d => d.GetProperty("version").GetInt32()));
        Assert.Equal("make it dark", created[1].GetProperty("prompt").GetString());
        Assert.Equal(second.GetProperty("filesChanged").GetInt32(), created[1].GetProperty("filesChanged").GetInt32());

        // Kiln's exclusions live in the repository, not in the app: no .gitignore was written.
        Assert.False(File.Exists(Path.Combine(app, ".gitignore")));
        Assert.Contains("node_modules/", await File.ReadAllTextAsync(Path.Combine(app, ".git", "info", "exclude"), TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // A version is found by its number or by its commit hash, whole or a prefix.
        var commit2 = second.GetProperty("commit").GetString()!;
        foreach (var name in new[] { "2", commit2, commit2[..7], commit2.ToUpperInvariant() })
        {
            var one = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions/{name}", TestContext.Current.CancellationToken);
            Assert.Equal(2, one.GetProperty("number").GetInt32());
        }
    }

    [Fact]
    public async Task Diffs_are_what_git_diff_prints_for_the_same_versions()
    {
        Requires.Git();
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("a counter app");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await kiln.GenerateAsync("make it green", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await kiln.GenerateAsync("call it Tally", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        using var client = kiln.Client();
        var commits = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", TestContext.Current.CancellationToken))
            .EnumerateArray().Select(v => v.GetProperty("commit").GetString()!).ToList();
        Assert.Equal(3, commits.Count);
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");

        // Against the version before (the first against an empty tree), and against any version asked for.
        const string EmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        (string Url, string[] Git)[] cases =
        [
            ("versions/1/diff", ["diff", EmptyTree, commits[0]]),
            ("versions/2/diff", ["diff", commits[0], commits[1]]),
            ($"versions/{commits[2][..10]}/diff", ["diff", commits[1], commits[2]]),
            ("versions/3/diff?against=1", ["diff", commits[0], commits[2]]),
            ("versions/1/diff?against=3", ["diff", commits[2], commits[0]]),
        ];
        foreach (var (url, git) in cases)
        {
            using var response = await client.GetAsync($"/api/projects/{projectId}/{url}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            var expected = await DirectGit.RunAsync(app, git);
            var actual = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            Assert.True(expected.Length > 0, url);
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
            Assert.Equal(expected, actual);
        }

        // A file as it was in a version, byte for byte.
        using var old = await client.GetAsync($"/api/projects/{projectId}/versions/1/files/index.html", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal("text/html", old.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await DirectGit.RunAsync(app, "show", $"{commits[0]}:index.html"), await old.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("HEAD")]
    [InlineData("main")]
    [InlineData("--output=x")]
    [InlineData("-1")]
    [InlineData("1..2")]
    [InlineData("abc")]
    [InlineData("HEAD~1")]
    [InlineData("1234567890123456789012345678901234567890a")]
    public async Task A_version_name_that_is_not_a_number_or_a_hash_is_a_bad_request(string name)
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();
        var escaped = Uri.EscapeDataString(name);
        foreach (var request in new[]
        {
            new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/versions/{escaped}"),
            new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/versions/{escaped}/diff"),
            new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/versions/{escaped}/files/index.html"),
            new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/versions/{escaped}/restore"),
        })
        {
            using (request)
            {
                await AssertProblemAsync(client, request, HttpStatusCode.BadRequest, "does not name a version");
            }
        }

        using var against = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/versions/1/diff?against={escaped}");
        await AssertProblemAsync(client, against, HttpStatusCode.BadRequest, "does not name a version");
    }

    [Fact]
    public async Task An_unknown_version_or_project_is_not_found_and_a_project_without_versions_lists_none()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        using var client = kiln.Client();

        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", TestContext.Current.CancellationToken)).EnumerateArray());
        foreach (var url in new[] { "versions/1", "versions/99/diff", "versions/abcdef1/files/index.html" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/{url}");
            await AssertProblemAsync(client, request, HttpStatusCode.NotFound, "GET /api/projects/");
        }

        using var restore = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/versions/1/restore");
        await AssertProblemAsync(client, restore, HttpStatusCode.NotFound, "has no version '1'");
        using var unknown = new HttpRequestMessage(HttpMethod.Get, "/api/projects/nosuchproject/versions");
        await AssertProblemAsync(client, unknown, HttpStatusCode.NotFound, "There is no project");
    }

    internal static async Task AssertProblemAsync(HttpClient client, HttpRequestMessage request, HttpStatusCode status, string detail)
    {
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
