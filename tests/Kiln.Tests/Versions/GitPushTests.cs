using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Sandbox;
using Kiln.Versions;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Versions;

/// <summary>
/// Pushing a project's history to a real git host: git's own smart-HTTP server behind a loopback server that demands a
/// token (<see cref="GitHttpServer"/>), reached by Kiln's sandboxed git through its egress proxy. Every version lands,
/// nothing but the app goes out, a rejected push says what to do, and the token is in no event, log line, answer or file.
/// </summary>
public sealed class GitPushTests : IAsyncLifetime
{
    private const string Token = "kiln-test-token-5f0c2b7e9d";

    private readonly AllLogs _logs = new();
    private readonly List<string> _answers = [];
    private GitHttpServer _host = null!;
    private KilnApp _kiln = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await GitHttpServer.StartAsync(Token);
        _kiln = KilnApp.Start(
            new Dictionary<string, string?>
            {
                ["Kiln:Git:AllowInsecureRemotes"] = "true",
                ["Logging:LogLevel:Default"] = "Trace",
                // The operator's allowlist is about package installs: a push still reaches the remote a person named.
                ["Kiln:Sandbox:AllowedHosts:0"] = "registry.npmjs.org",
            },
            services: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(_logs));
        _client = _kiln.Client();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _kiln.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact, Slow]
    public async Task Every_version_lands_on_the_remote_and_the_token_is_nowhere_else()
    {
        Requires.Git();
        var projectId = await ProjectWithVersionsAsync("a counter", "a red counter", "a red counter with reset");
        var remote = await _host.CreateRepositoryAsync("app.git");

        var (status, body) = await PushAsync(projectId, new { remote, token = Token, saveToken = true });
        Assert.True(status == HttpStatusCode.OK, body);
        var pushed = JsonDocument.Parse(body).RootElement;
        Assert.Equal(remote, pushed.GetProperty("remote").GetString());
        Assert.Equal("main", pushed.GetProperty("branch").GetString());
        Assert.Equal(3, pushed.GetProperty("commits").GetInt32());

        // Every version, oldest last, with the prompts as messages; the app's files and nothing of Kiln's or the build's.
        var app = _kiln.Services.GetRequiredService<ProjectWorkspace>().AppDirectory(projectId);
        Assert.Equal(await DirectGit.TextAsync(app, "rev-parse", "HEAD"), (await _host.GitInAsync("app.git", "rev-parse", "main")).Trim());
        Assert.Equal(["a red counter with reset", "a red counter", "a counter"],
            (await _host.GitInAsync("app.git", "log", "--format=%s", "main")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["index.html", "src/counter.js"],
            (await _host.GitInAsync("app.git", "ls-tree", "-r", "--name-only", "main")).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // The next push needs no token (it is stored, sealed) and sends only what is new.
        await AddVersionAsync(projectId, "a red counter with reset and a title", "index.html", "<h1>Counter</h1>\n");
        (status, body) = await PushAsync(projectId, new { remote });
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(1, JsonDocument.Parse(body).RootElement.GetProperty("commits").GetInt32());
        Assert.Equal("4", (await _host.GitInAsync("app.git", "rev-list", "--count", "main")).Trim());

        // Pushing again changes nothing and says so.
        (status, body) = await PushAsync(projectId, new { remote });
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(0, JsonDocument.Parse(body).RootElement.GetProperty("commits").GetInt32());

        var settings = await GetAsync($"/api/projects/{projectId}/git");
        Assert.Equal(remote, settings.GetProperty("remote").GetString());
        Assert.True(settings.GetProperty("tokenStored").GetBoolean());
        Assert.True(settings.GetProperty("lastPush").GetProperty("ok").GetBoolean());

        var events = await EventsAsync(projectId);
        var gitPushed = events.Where(e => e.Type == "git_pushed").ToList();
        Assert.Equal(3, gitPushed.Count);
        Assert.Equal(remote, gitPushed[0].Data.GetProperty("remote").GetString());
        Assert.Equal(3, gitPushed[0].Data.GetProperty("commits").GetInt32());

        // The token went to the host and nowhere else.
        using var download = await _client.GetAsync($"/api/projects/{projectId}/download", TestContext.Current.CancellationToken);
        var zip = await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        using (var archive = new ZipArchive(new MemoryStream(zip)))
        {
            foreach (var entry in archive.Entries)
            {
                using var reader = new StreamReader(entry.Open());
                Assert.DoesNotContain(Token, await reader.ReadToEndAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            }
        }

        AssertTokenNowhere(events);
        Assert.DoesNotContain(Token, await File.ReadAllTextAsync(Path.Combine(app, ".git", "config"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Empty(_host.Refused);
    }

    [Fact, Slow]
    public async Task A_wrong_or_missing_token_is_refused_with_what_to_do_and_nothing_lands()
    {
        Requires.Git();
        var projectId = await ProjectWithVersionsAsync("a counter");
        var remote = await _host.CreateRepositoryAsync("guarded.git");

        var (status, body) = await PushAsync(projectId, new { remote, token = "not-the-token", saveToken = true });
        Assert.True(status == HttpStatusCode.Forbidden, body);
        Assert.Contains("refused the token", body, StringComparison.Ordinal);
        Assert.Contains("write access", body, StringComparison.Ordinal);

        (status, body) = await PushAsync(projectId, new { remote });
        Assert.True(status == HttpStatusCode.Forbidden, body);
        Assert.Contains("no token", body, StringComparison.Ordinal);

        Assert.Equal("", (await _host.GitInAsync("guarded.git", "for-each-ref")).Trim());
        Assert.NotEmpty(_host.Refused);
        var settings = await GetAsync($"/api/projects/{projectId}/git");
        Assert.False(settings.GetProperty("tokenStored").GetBoolean()); // A token that did not work is not remembered.
        Assert.False(settings.GetProperty("lastPush").GetProperty("ok").GetBoolean());
        var failed = (await EventsAsync(projectId)).Where(e => e.Type == "git_push_failed").ToList();
        Assert.Equal(2, failed.Count);
        AssertTokenNowhere(await EventsAsync(projectId), "not-the-token");
    }

    [Fact, Slow]
    public async Task A_branch_with_commits_the_project_lacks_is_never_overwritten()
    {
        Requires.Git();
        var projectId = await ProjectWithVersionsAsync("a counter");
        var remote = await _host.CreateRepositoryAsync("taken.git");
        await _host.CommitElsewhereAsync("taken.git", "main");
        var theirs = (await _host.GitInAsync("taken.git", "rev-parse", "main")).Trim();

        var (status, body) = await PushAsync(projectId, new { remote, token = Token });
        Assert.True(status == HttpStatusCode.Conflict, body);
        Assert.Contains("new branch", body, StringComparison.Ordinal);
        Assert.Equal(theirs, (await _host.GitInAsync("taken.git", "rev-parse", "main")).Trim());

        // A new branch takes it.
        (status, body) = await PushAsync(projectId, new { remote, branch = "kiln/app", token = Token });
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal("a counter", (await _host.GitInAsync("taken.git", "log", "-1", "--format=%s", "kiln/app")).Trim());
    }

    [Fact]
    public async Task Remotes_that_are_not_https_are_refused_before_anything_is_sent()
    {
        Requires.Git();
        var projectId = await ProjectWithVersionsAsync("a counter");
        await _host.CreateRepositoryAsync("target.git");
        var bare = Path.Combine(_host.Root, "target.git");
        var marker = Path.Combine(_kiln.ProjectsRoot, "ext-ran");
        var port = new Uri(_host.BaseUrl).Port;

        foreach (var remote in new[]
                 {
                     $"file://{bare}", bare, "../../other/generated-app", $"ext::touch {marker}", $"ext::git http-backend %S",
                     $"http://x-access-token:{Token}@127.0.0.1:{port}/target.git", $"https://{Token}@github.com/you/app.git",
                     "git@github.com:you/app.git", "ssh://git@github.com/you/app.git", $"git://127.0.0.1:{port}/target.git",
                 })
        {
            var (status, body) = await PushAsync(projectId, new { remote, token = Token });
            Assert.True(status == HttpStatusCode.BadRequest, $"{remote}: {body}");
            Assert.DoesNotContain(Token, body, StringComparison.Ordinal);
        }

        var (branchStatus, branchBody) = await PushAsync(projectId, new { remote = $"{_host.BaseUrl}/target.git", branch = "--force", token = Token });
        Assert.True(branchStatus == HttpStatusCode.BadRequest, branchBody);
        var (tokenStatus, tokenBody) = await PushAsync(projectId, new { remote = $"{_host.BaseUrl}/target.git", token = "abc\r\nX-Evil: 1" });
        Assert.True(tokenStatus == HttpStatusCode.BadRequest, tokenBody);

        Assert.False(File.Exists(marker));
        Assert.Equal("", (await _host.GitInAsync("target.git", "for-each-ref")).Trim());
        Assert.Empty(_host.Refused);
        Assert.DoesNotContain(await EventsAsync(projectId), e => e.Type.StartsWith("git_", StringComparison.Ordinal));
        AssertTokenNowhere(await EventsAsync(projectId));
    }

    [Fact]
    public async Task Plain_http_is_refused_unless_the_operator_allows_it()
    {
        await using var strict = KilnApp.Start();
        var projectId = await strict.CreateReadyProjectAsync();
        using var client = strict.Client();
        using var response = await client.PostAsJsonAsync($"/api/projects/{projectId}/git/push",
            new { remote = $"{_host.BaseUrl}/app.git", token = Token }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("Kiln:Git:AllowInsecureRemotes", body, StringComparison.Ordinal);
        Assert.Empty(_host.Refused);
    }

    [Fact, Slow]
    public async Task A_forgotten_token_is_no_longer_sent_and_an_unreachable_host_is_a_bad_gateway()
    {
        Requires.Git();
        var projectId = await ProjectWithVersionsAsync("a counter");
        var remote = await _host.CreateRepositoryAsync("forget.git");
        var (status, body) = await PushAsync(projectId, new { remote, token = Token, saveToken = true });
        Assert.True(status == HttpStatusCode.OK, body);

        using (var forget = await _client.DeleteAsync($"/api/projects/{projectId}/git/token", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, forget.StatusCode);
        }

        Assert.False((await GetAsync($"/api/projects/{projectId}/git")).GetProperty("tokenStored").GetBoolean());
        await AddVersionAsync(projectId, "a second version", "index.html", "<h1>Two</h1>\n");
        (status, body) = await PushAsync(projectId, new { remote });
        Assert.True(status == HttpStatusCode.Forbidden, body);

        // Nothing listens on the discard port.
        (status, body) = await PushAsync(projectId, new { remote = "http://127.0.0.1:9/app.git", token = Token });
        Assert.True(status == HttpStatusCode.BadGateway, body);
        Assert.Contains("reachable", body, StringComparison.Ordinal);
    }

    private async Task<string> ProjectWithVersionsAsync(params string[] prompts)
    {
        await _kiln.Services.RequireBubblewrapAsync();
        var projectId = await _kiln.CreateReadyProjectAsync(prompts[0]);
        var app = _kiln.Services.GetRequiredService<ProjectWorkspace>().AppDirectory(projectId);
        // Dependencies, build output and Kiln's own files are there but never part of a version.
        Write(app, "node_modules/left-pad/index.js", "module.exports = 1;\n");
        Write(app, "dist/index.html", "<h1>built</h1>\n");
        Write(app, ".kiln/state.json", "{}\n");
        Write(app, "index.html", "<script type=\"module\" src=\"/src/counter.js\"></script>\n");
        for (var i = 0; i < prompts.Length; i++)
        {
            await AddVersionAsync(projectId, prompts[i], "src/counter.js", $"export const version = {i + 1};\n", addPrompt: i > 0);
        }

        return projectId;
    }

    private async Task AddVersionAsync(string projectId, string prompt, string path, string content, bool addPrompt = true)
    {
        var store = _kiln.Services.GetRequiredService<IProjectStore>();
        if (addPrompt)
        {
            await store.UpdateAsync(projectId, p => p with { Prompts = [.. p.Prompts, new ProjectPrompt(prompt, DateTimeOffset.UtcNow)] }, CancellationToken.None);
        }

        Write(_kiln.Services.GetRequiredService<ProjectWorkspace>().AppDirectory(projectId), path, content);
        Assert.NotNull(await _kiln.Services.GetRequiredService<VersionHistory>().RecordGenerationAsync(projectId, ProjectStatus.Ready, CancellationToken.None));
    }

    private static void Write(string app, string relative, string content)
    {
        var path = Path.Combine(app, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private async Task<(HttpStatusCode Status, string Body)> PushAsync(string projectId, object request)
    {
        using var response = await _client.PostAsJsonAsync($"/api/projects/{projectId}/git/push", request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        _answers.Add(body);
        return (response.StatusCode, body);
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        var body = await _client.GetStringAsync(path, TestContext.Current.CancellationToken);
        _answers.Add(body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<List<ProjectEvent>> EventsAsync(string projectId) =>
        await _kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, CancellationToken.None).ToListAsync();

    /// <summary>The token in no answer, event, log line (any level), or file Kiln keeps, except sealed.</summary>
    private void AssertTokenNowhere(IEnumerable<ProjectEvent> events, string token = Token)
    {
        Assert.DoesNotContain(_answers, answer => answer.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e.Data.GetRawText().Contains(token, StringComparison.Ordinal));
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes($"x-access-token:{token}"));
        Assert.DoesNotContain(_logs.Lines, line => line.Contains(token, StringComparison.Ordinal) || line.Contains(base64, StringComparison.Ordinal));
        Assert.NotEmpty(_logs.Lines);
        foreach (var file in Directory.EnumerateFiles(_kiln.ProjectsRoot, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var bytes = File.ReadAllBytes(file);
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(token)) || Contains(bytes, Encoding.UTF8.GetBytes(base64)), $"{file} holds the token");
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>Every log line Kiln writes, at every level.</summary>
    private sealed class AllLogs : Microsoft.Extensions.Logging.ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(_lines, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines, string category) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
                Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
