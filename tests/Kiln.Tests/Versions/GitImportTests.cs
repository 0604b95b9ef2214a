using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Versions;

/// <summary>
/// <c>POST /api/import {gitUrl}</c> against <c>git http-backend</c> behind a loopback server that demands a token: the
/// branch becomes a project (its history left behind), the token appears in no answer, event or log; a link in the
/// repository and file://, ext:: and local remotes are refused with nothing written.
/// </summary>
public sealed class GitImportTests
{
    private const string Token = "import-token-5f1c9a";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_branch_of_a_private_repository_becomes_a_ready_project_and_the_token_goes_nowhere()
    {
        Requires.Git();
        await using var host = await GitHttpServer.StartAsync(Token);
        var url = await host.CreateRepositoryAsync("site.git");
        await CommitAsync(host, "site.git", "feature", ("index.html", "<!doctype html><title>From git</title><h1>Fetched over smart HTTP</h1>"), ("docs/readme.md", "# site"));
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Git:AllowInsecureRemotes"] = "true" });

        var (status, body) = await ImportAsync(kiln, new { gitUrl = url, branch = "feature", token = Token });

        Assert.Equal(HttpStatusCode.Accepted, status);
        var projectId = body.GetProperty("projectId").GetString()!;
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        var app = kiln.Services.GetRequiredService<ProjectWorkspace>().AppDirectory(projectId);
        Assert.Contains("Fetched over smart HTTP", await File.ReadAllTextAsync(Path.Combine(app, "index.html"), Ct), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(app, "docs", "readme.md")));
        using var client = kiln.Client();
        var versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", Ct)).EnumerateArray().ToList();
        Assert.Equal("imported", Assert.Single(versions).GetProperty("outcome").GetString());

        await using var events = kiln.Events(projectId);
        var stream = await events.ReadUntilAsync(Timeout, "preview_ready");
        Assert.Contains(url, Assert.Single(stream, e => e.GetProperty("type").GetString() == "app_imported").GetProperty("data").GetProperty("source").GetString(), StringComparison.Ordinal);
        var everything = string.Join('\n',
            body.ToString(),
            string.Join('\n', stream.Select(e => e.ToString())),
            (await kiln.StatusAsync(projectId, Ct)).ToString(),
            string.Join('\n', kiln.Log.Entries.Select(e => e.Message)));
        Assert.DoesNotContain(Token, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, string.Join('\n', Directory.EnumerateFiles(kiln.ProjectsRoot, "*", SearchOption.AllDirectories)
            .Where(file => !file.Contains("node_modules", StringComparison.Ordinal) && new FileInfo(file).Length < 1 << 20)
            .Select(File.ReadAllText)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repository_with_a_symlink_or_a_wrong_token_is_refused_and_nothing_is_written()
    {
        Requires.Git();
        await using var host = await GitHttpServer.StartAsync(Token);
        var url = await host.CreateRepositoryAsync("linked.git");
        await CommitAsync(host, "linked.git", "main", ("index.html", "<h1>ok</h1>"), ("passwd", "->/etc/passwd"));
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Git:AllowInsecureRemotes"] = "true" });

        var (status, problem) = await ImportAsync(kiln, new { gitUrl = url, token = Token });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("passwd", problem.GetProperty("entry").GetString());
        Assert.Contains("symbolic link", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        (status, problem) = await ImportAsync(kiln, new { gitUrl = url, token = "wrong-token" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("refused the token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", problem.ToString(), StringComparison.Ordinal);
        await AssertNothingWrittenAsync(kiln);
    }

    [Theory]
    [InlineData("file:///etc", "file://")]
    [InlineData("ext::sh -c touch% /tmp/kiln-ext-import", "transport helper")]
    [InlineData("/srv/git/app.git", "path on Kiln's machine")]
    [InlineData("http://example.com/app.git", "Kiln:Git:AllowInsecureRemotes")]
    public async Task File_ext_local_and_plain_http_remotes_are_refused_before_git_runs(string gitUrl, string reason)
    {
        await using var kiln = KilnApp.Start();

        var (status, problem) = await ImportAsync(kiln, new { gitUrl });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/kiln-ext-import"));
        await AssertNothingWrittenAsync(kiln);
    }

    private static async Task AssertNothingWrittenAsync(KilnApp kiln)
    {
        Assert.Equal(0, await kiln.Services.GetRequiredService<IProjectStore>().CountAsync(Ct));
        var scratch = Path.Combine(kiln.ProjectsRoot, ".imports");
        Assert.True(!Directory.Exists(scratch) || Directory.GetFileSystemEntries(scratch).Length == 0);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(KilnApp kiln, object request)
    {
        using var client = kiln.Client();
        using var response = await client.PostAsJsonAsync("/api/import", request, Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }

    /// <summary>Commits the files to <paramref name="branch"/> of the bare repository; content "->target" is a symlink to target.</summary>
    private static async Task CommitAsync(GitHttpServer host, string repository, string branch, params (string Path, string Content)[] files)
    {
        var work = Directory.CreateTempSubdirectory("kiln-test-git-work-").FullName;
        try
        {
            foreach (var (path, content) in files)
            {
                var full = Path.Combine(work, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                if (content.StartsWith("->", StringComparison.Ordinal))
                {
                    File.CreateSymbolicLink(full, content[2..]);
                }
                else
                {
                    await File.WriteAllTextAsync(full, content, Ct);
                }
            }

            await host.GitInAsync(repository, "--work-tree", work, "add", "--all");
            var tree = (await host.GitInAsync(repository, "write-tree")).Trim();
            var commit = (await host.GitInAsync(repository, "commit-tree", tree, "-m", "the app")).Trim();
            await host.GitInAsync(repository, "update-ref", $"refs/heads/{branch}", commit);
            await host.GitInAsync(repository, "symbolic-ref", "HEAD", $"refs/heads/{branch}");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
