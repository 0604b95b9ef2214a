using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kiln.Tests.Api;

/// <summary>
/// PUT and DELETE /api/projects/{id}/files/{path}: a person's own edits, which never overwrite a change they have not
/// seen, follow the agent's path rules and limits, wait for a generation, and become versions authored "you".
/// </summary>
public sealed class FileEditTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_put_with_a_stale_etag_is_refused_with_412_and_the_newer_content_stays()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        await File.WriteAllTextAsync(Path.Combine(app, "index.html"), "<h1>Agent</h1>\n", cancellationToken);
        using var client = kiln.Client();

        using var read = await client.GetAsync($"/api/projects/{projectId}/files/index.html", cancellationToken);
        var etag = read.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);

        // The person saves with the tag they read: 200 and a new tag, the same one GET now gives.
        using var saved = await PutAsync(client, projectId, "index.html", "<h1>Mine</h1>\n", ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var newTag = saved.Headers.ETag;
        Assert.NotNull(newTag);
        Assert.NotEqual(etag, newTag);
        var body = await saved.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Equal("index.html", body.GetProperty("path").GetString());
        Assert.Equal(newTag.Tag, body.GetProperty("eTag").GetString());
        using (var again = await client.GetAsync($"/api/projects/{projectId}/files/index.html", cancellationToken))
        {
            Assert.Equal(newTag, again.Headers.ETag);
            Assert.Equal("<h1>Mine</h1>\n", await again.Content.ReadAsStringAsync(cancellationToken));
        }

        // A second tab still holds the first tag: its write would lose the first, so it is refused and says what to do.
        using var stale = await PutAsync(client, projectId, "index.html", "<h1>Other tab</h1>\n", ifMatch: etag);
        await AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed, "If-Match: " + newTag.Tag);
        Assert.Equal("<h1>Mine</h1>\n", await File.ReadAllTextAsync(Path.Combine(app, "index.html"), cancellationToken));

        // The agent writes the file after the person read it: the person's save is refused the same way.
        await File.WriteAllTextAsync(Path.Combine(app, "index.html"), "<h1>Agent again</h1>\n", cancellationToken);
        using var afterAgent = await PutAsync(client, projectId, "index.html", "<h1>Mine again</h1>\n", ifMatch: newTag);
        await AssertProblemAsync(afterAgent, HttpStatusCode.PreconditionFailed, "changed");
        Assert.Equal("<h1>Agent again</h1>\n", await File.ReadAllTextAsync(Path.Combine(app, "index.html"), cancellationToken));

        // If-None-Match: * creates a file only when there is none.
        using var exists = await PutAsync(client, projectId, "index.html", "x", ifNoneMatchAny: true);
        Assert.Equal(HttpStatusCode.PreconditionFailed, exists.StatusCode);
        using var created = await PutAsync(client, projectId, "src/new.js", "export const n = 1;\n", ifNoneMatchAny: true);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/projects/{projectId}/files/src/new.js", created.Headers.Location?.OriginalString);
        Assert.Equal("export const n = 1;\n", await File.ReadAllTextAsync(Path.Combine(app, "src/new.js"), cancellationToken));

        // A delete honours If-Match too.
        using (var staleDelete = new HttpRequestMessage(HttpMethod.Delete, $"/api/projects/{projectId}/files/index.html"))
        {
            staleDelete.Headers.IfMatch.Add(newTag);
            using var response = await client.SendAsync(staleDelete, cancellationToken);
            await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed, "changed");
        }

        Assert.True(File.Exists(Path.Combine(app, "index.html")));
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/projects/{projectId}/files/src/new.js"))
        {
            delete.Headers.IfMatch.Add(created.Headers.ETag!);
            using var response = await client.SendAsync(delete, cancellationToken);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.False(File.Exists(Path.Combine(app, "src/new.js")));
    }

    [Fact]
    public async Task Paths_and_limits_are_the_agents_an_unknown_project_is_404_and_nothing_is_written_outside_the_app()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Tools:MaxFileBytes"] = "1000" });
        var projectId = await kiln.CreateReadyProjectAsync();
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        using var client = kiln.Client();

        // An encoded '\' is no separator to the router, so it reaches the path rule, which refuses it.
        using (var backslash = await PutAsync(client, projectId, "src%5C..%5C..%5Ckiln.db", "x"))
        {
            await AssertProblemAsync(backslash, HttpStatusCode.BadRequest, "backslashes");
        }

        using (var home = await PutAsync(client, projectId, "~/.bashrc", "x"))
        {
            await AssertProblemAsync(home, HttpStatusCode.BadRequest, "Refused path");
        }

        // Kiln's history is not the person's to write, as it is not the agent's.
        using (var git = await PutAsync(client, projectId, ".git/config", "[core]\n"))
        {
            await AssertProblemAsync(git, HttpStatusCode.BadRequest, "never written");
        }

        // A symbolic link out of the app is not a way out.
        var outside = TempDirectory.Create("kiln-outside");
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(app, "out"), outside);
            using var viaLink = await PutAsync(client, projectId, "out/planted.txt", "x");
            await AssertProblemAsync(viaLink, HttpStatusCode.BadRequest, "symbolic link");
            Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        }
        finally
        {
            File.Delete(Path.Combine(app, "out"));
            TempDirectory.Delete(outside);
        }

        using (var tooBig = await PutAsync(client, projectId, "big.txt", new string('x', 1001)))
        {
            await AssertProblemAsync(tooBig, HttpStatusCode.RequestEntityTooLarge, "Kiln:Tools:MaxFileBytes");
        }

        using (var unknown = await PutAsync(client, projectId + "x", "index.html", "x"))
        {
            await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "GET /api/projects");
        }

        using (var missing = await client.DeleteAsync($"/api/projects/{projectId}/files/nothing.txt", cancellationToken))
        {
            await AssertProblemAsync(missing, HttpStatusCode.NotFound, "no file");
        }

        Assert.DoesNotContain(Directory.EnumerateFiles(app, "*", SearchOption.AllDirectories), f => !f.Contains("/.git/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Edits_within_the_batch_window_become_one_version_by_you_announced_on_the_stream()
    {
        Requires.Git();
        var cancellationToken = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var kiln = KilnApp.Start(
            new Dictionary<string, string?> { ["Kiln:HandEdits:BatchSeconds"] = "5" },
            services: services => services.AddSingleton<TimeProvider>(time));
        var projectId = await kiln.CreateReadyProjectAsync();
        await using var events = await kiln.Events(projectId).ConnectAsync(cancellationToken);
        using var client = kiln.Client();

        using (var first = await PutAsync(client, projectId, "index.html", "<h1>One</h1>\n"))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        time.Advance(TimeSpan.FromSeconds(2));
        using (var second = await PutAsync(client, projectId, "styles.css", "h1 { color: teal; }\n"))
        {
            Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        }

        using (var third = await PutAsync(client, projectId, "index.html", "<h1>Two</h1>\n"))
        {
            Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        }

        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).EnumerateArray());
        time.Advance(TimeSpan.FromSeconds(3));
        var read = await events.ReadUntilAsync(Timeout, "version_created");
        var created = read[^1].GetProperty("data");
        Assert.Equal("you", created.GetProperty("author").GetString());
        Assert.Equal("edited", created.GetProperty("outcome").GetString());
        Assert.Equal(["file_created", "file_created", "file_updated"], read.Select(e => e.GetProperty("type").GetString()).Where(t => t!.StartsWith("file_", StringComparison.Ordinal)));

        var versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).EnumerateArray().ToList();
        var version = Assert.Single(versions);
        Assert.Equal("you", version.GetProperty("author").GetString());
        Assert.Equal("Edited index.html, styles.css", version.GetProperty("prompt").GetString());
        Assert.Equal(2, version.GetProperty("filesChanged").GetInt32());

        // A later edit is a version of its own.
        using (var delete = await client.DeleteAsync($"/api/projects/{projectId}/files/styles.css", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        time.Advance(TimeSpan.FromSeconds(5));
        await events.ReadUntilAsync(Timeout, "version_created");
        versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).EnumerateArray().ToList();
        Assert.Equal(["Edited index.html, styles.css", "Edited styles.css"], versions.Select(v => v.GetProperty("prompt").GetString()));
        Assert.Equal("you", versions[1].GetProperty("author").GetString());
    }

    [Fact]
    public async Task An_edit_is_refused_while_generating_and_the_next_prompt_names_the_files_the_person_changed()
    {
        Requires.Git();
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>One</h1>" }),
            ScriptedReply.EndTurn,
            ScriptedReply.Hanging);
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-scripted",
            // Long enough that only the prompt makes the edits a version.
            ["Kiln:HandEdits:BatchSeconds"] = "3600",
        });
        var projectId = await kiln.GenerateAsync("a page that says one");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        using var client = kiln.Client();

        // While the agent works, the person's save waits for it.
        await kiln.GenerateAsync("make it say two", projectId);
        using (var wait = new CancellationTokenSource(Timeout))
        {
            await model.WaitForRequestAsync(request => request.UserTexts.Any(text => text.Contains("make it say two", StringComparison.Ordinal)), wait.Token);
        }

        using (var busy = await PutAsync(client, projectId, "index.html", "<h1>Mine</h1>"))
        {
            await AssertProblemAsync(busy, HttpStatusCode.Conflict, "is generating");
        }

        using (var busyDelete = await client.DeleteAsync($"/api/projects/{projectId}/files/index.html", cancellationToken))
        {
            await AssertProblemAsync(busyDelete, HttpStatusCode.Conflict, "is generating");
        }

        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        Assert.Equal("<h1>One</h1>", await File.ReadAllTextAsync(Path.Combine(app, "index.html"), cancellationToken));
        using (var cancel = await client.PostAsync($"/api/projects/{projectId}/cancel", null, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        await kiln.WaitForStatusAsync(projectId, Timeout, "cancelled");
        using (var saved = await PutAsync(client, projectId, "index.html", "<h1>Mine</h1>"))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }

        using (var added = await PutAsync(client, projectId, "src/footer.js", "export const footer = 'mine';\n"))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        // The next prompt makes the edits a version first, and tells the agent which files the person changed.
        model.Enqueue(ScriptedReply.EndTurn, ScriptedReply.EndTurn);
        await kiln.GenerateAsync("add a header", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        // The briefing is the text block just before the person's words.
        var texts = model.ScriptedRequests[^1].UserTexts;
        Assert.Equal("add a header", texts[^1]);
        var told = texts[^2];
        Assert.Contains("# Changed by the person", told, StringComparison.Ordinal);
        Assert.Contains("- index.html\n", told, StringComparison.Ordinal);
        Assert.Contains("- src/footer.js\n", told, StringComparison.Ordinal);

        var versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).EnumerateArray().ToList();
        Assert.Equal(
            ["a page that says one", "make it say two", "Edited index.html, src/footer.js", "add a header"],
            versions.Select(v => v.GetProperty("prompt").GetString()));
        Assert.Equal(["kiln", "kiln", "you", "kiln"], versions.Select(v => v.GetProperty("author").GetString()));

        // The agent's turn came after the edits: the prompt after it is not told again.
        await kiln.GenerateAsync("make it blue", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        Assert.Equal("make it blue", model.ScriptedRequests[^1].UserTexts[^1]);
        Assert.DoesNotContain("# Changed by the person", model.ScriptedRequests[^1].UserTexts[^2], StringComparison.Ordinal);
        Assert.Contains("# The app now", model.ScriptedRequests[^1].UserTexts[^2], StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PutAsync(
        HttpClient client, string projectId, string path, string content, EntityTagHeaderValue? ifMatch = null, bool ifNoneMatchAny = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/projects/{projectId}/files/{path}")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(content)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        if (ifMatch is not null)
        {
            request.Headers.IfMatch.Add(ifMatch);
        }

        if (ifNoneMatchAny)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
        }

        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
