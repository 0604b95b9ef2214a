using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Versions;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Versions;

/// <summary>Restoring a version: exact bytes back, nothing else, refused while the agent works, and the agent told.</summary>
public sealed class RestoreTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Restore_brings_back_the_exact_bytes_of_every_file_of_a_version_and_nothing_else()
    {
        Requires.Git();
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync("a page with a logo");
        var app = kiln.Services.GetRequiredService<ProjectWorkspace>().AppDirectory(projectId);
        var history = kiln.Services.GetRequiredService<VersionHistory>();

        var binary = Enumerable.Range(0, 1024).Select(i => (byte)(i * 7 % 256)).ToArray(); // NULs, CRs, LFs, high bytes
        Write(app, "index.html", "<h1>One</h1>\n");
        Write(app, "src/app.js", "console.log('one');\n");
        Write(app, "assets/logo.png", binary);
        Write(app, "crlf.txt", "first\r\nsecond\r\n");
        Write(app, "no-final-newline.txt", "end");
        Write(app, "empty.txt", "");
        Write(app, "deep/a/b/c.txt", "deep\n");
        Write(app, "ünïcode name.txt", "ü\n");
        Write(app, "scripts/run.sh", "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(app, "scripts/run.sh"), (UnixFileMode)Convert.ToInt32("755", 8));
        // A trap: attributes that would rewrite line endings and run a filter if Kiln let the app's .gitattributes decide.
        Write(app, ".gitattributes", "* text eol=crlf\n*.txt filter=evil ident\n");
        Assert.NotNull(await history.RecordGenerationAsync(projectId, ProjectStatus.Ready, cancellationToken));
        var version1 = Snapshot(app);

        // Version 2 changes, removes and adds files; dependencies and build output appear beside them.
        Write(app, "index.html", "<h1>Two</h1>\n");
        File.Delete(Path.Combine(app, "src/app.js"));
        Directory.Delete(Path.Combine(app, "deep"), recursive: true);
        Write(app, "assets/logo.png", binary.Reverse().ToArray());
        Write(app, "crlf.txt", "first\nsecond\n");
        Write(app, "extra/new.js", "export const x = 2;\n");
        File.SetUnixFileMode(Path.Combine(app, "scripts/run.sh"), (UnixFileMode)Convert.ToInt32("644", 8));
        Write(app, "node_modules/pkg/index.js", "module.exports = 1;\n");
        Write(app, "dist/index.html", "<h1>Built</h1>\n");
        Assert.NotNull(await history.RecordGenerationAsync(projectId, ProjectStatus.Ready, cancellationToken));
        // And changes no version holds yet.
        Write(app, "index.html", "<h1>Unsaved</h1>\n");
        Write(app, "uncommitted.txt", "not in any version\n");

        using var client = kiln.Client();
        using var response = await client.PostAsync($"/api/projects/{projectId}/versions/1/restore", null, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var restored = JsonDocument.Parse(body).RootElement;
        Assert.Equal(3, restored.GetProperty("version").GetProperty("number").GetInt32());
        Assert.Equal(1, restored.GetProperty("restoredFrom").GetInt32());
        Assert.Equal($"/api/projects/{projectId}/versions/3", response.Headers.Location?.OriginalString);

        // Every file of version 1, byte for byte and with its mode, and nothing else.
        var now = Snapshot(app);
        Assert.Equal(version1.Keys.Order(StringComparer.Ordinal), now.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, file) in version1)
        {
            Assert.True(file.Content.AsSpan().SequenceEqual(now[path].Content), $"{path} differs after the restore");
            Assert.Equal(file.Executable, now[path].Executable);
        }

        // Dependencies and build output are left alone.
        Assert.Equal("module.exports = 1;\n", await File.ReadAllTextAsync(Path.Combine(app, "node_modules/pkg/index.js"), cancellationToken));
        Assert.Equal("<h1>Built</h1>\n", await File.ReadAllTextAsync(Path.Combine(app, "dist/index.html"), cancellationToken));

        // The restore is a new version whose tree is version 1's; history only grew.
        var versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).EnumerateArray().ToList();
        Assert.Equal(3, versions.Count);
        Assert.Equal("restored", versions[2].GetProperty("outcome").GetString());
        Assert.Equal(1, versions[2].GetProperty("restoredFrom").GetInt32());
        Assert.Equal("Restore version 1", versions[2].GetProperty("prompt").GetString());
        var commits = versions.Select(v => v.GetProperty("commit").GetString()!).ToList();
        Assert.Equal(
            await DirectGit.TextAsync(app, "rev-parse", commits[0] + "^{tree}"),
            await DirectGit.TextAsync(app, "rev-parse", commits[2] + "^{tree}"));
        Assert.Equal(commits[1], await DirectGit.TextAsync(app, "rev-parse", commits[2] + "^"));

        var stored = await kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, cancellationToken).ToListAsync(cancellationToken);
        var restoredEvent = Assert.Single(stored, e => e.Type == "version_restored");
        Assert.Equal(3, restoredEvent.Data.GetProperty("version").GetInt32());
        Assert.Equal(1, restoredEvent.Data.GetProperty("from").GetInt32());
        Assert.Equal([1, 2, 3], stored.Where(e => e.Type == "version_created").Select(e => e.Data.GetProperty("version").GetInt32()));

        // Old files are served as they were; a removed file or a directory is not a file of that version.
        using var logo = await client.GetAsync($"/api/projects/{projectId}/versions/2/files/assets/logo.png", cancellationToken);
        Assert.Equal("image/png", logo.Content.Headers.ContentType?.MediaType);
        Assert.Equal(binary.Reverse().ToArray(), await logo.Content.ReadAsByteArrayAsync(cancellationToken));
        using var unicode = await client.GetAsync($"/api/projects/{projectId}/versions/1/files/{Uri.EscapeDataString("ünïcode name.txt")}", cancellationToken);
        Assert.Equal("ü\n", await unicode.Content.ReadAsStringAsync(cancellationToken));
        foreach (var missing in new[] { "versions/2/files/src/app.js", "versions/1/files/deep", "versions/1/files/node_modules/pkg/index.js" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/{missing}");
            await VersionHistoryTests.AssertProblemAsync(client, request, HttpStatusCode.NotFound, "no file");
        }

        // Paths follow the same rule as the app's current files (an encoded '/' is not a separator, so that is just a name).
        using var backslash = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/versions/1/files/src%5C..%5C..%5Ckiln.db");
        await VersionHistoryTests.AssertProblemAsync(client, backslash, HttpStatusCode.BadRequest, "backslashes");
        using var home = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/versions/1/files/~/.bashrc");
        await VersionHistoryTests.AssertProblemAsync(client, home, HttpStatusCode.BadRequest, "Refused path");
        using var encoded = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/versions/1/files/..%2F..%2Fkiln.db");
        await VersionHistoryTests.AssertProblemAsync(client, encoded, HttpStatusCode.NotFound, "no file");
    }

    [Fact]
    public async Task Restore_is_refused_while_generating_and_the_next_prompt_tells_the_agent_the_files_were_restored()
    {
        Requires.Git();
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>One</h1>" }),
            ScriptedReply.EndTurn,
            ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Two</h1>" }),
            ScriptedReply.Hanging);
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-scripted",
        });
        var projectId = await kiln.GenerateAsync("a page that says one");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await kiln.GenerateAsync("make it say two", projectId);
        using (var wait = new CancellationTokenSource(Timeout))
        {
            await model.WaitForRequestAsync(request => request.ToolResults.Count >= 2, wait.Token);
        }

        using var client = kiln.Client();
        using (var whileGenerating = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/versions/1/restore"))
        {
            await VersionHistoryTests.AssertProblemAsync(client, whileGenerating, HttpStatusCode.Conflict, "is generating");
        }

        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        Assert.Equal("<h1>Two</h1>", await File.ReadAllTextAsync(Path.Combine(app, "index.html"), cancellationToken));

        // A cancelled generation is a version too: what the agent had written is kept.
        using (var cancel = await client.PostAsync($"/api/projects/{projectId}/cancel", null, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        var versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).EnumerateArray().ToList();
        Assert.Equal(["ready", "cancelled"], versions.Select(v => v.GetProperty("outcome").GetString()));
        Assert.Equal("make it say two", versions[1].GetProperty("prompt").GetString());

        using (var restore = await client.PostAsync($"/api/projects/{projectId}/versions/1/restore", null, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Created, restore.StatusCode);
        }

        Assert.Equal("<h1>One</h1>", await File.ReadAllTextAsync(Path.Combine(app, "index.html"), cancellationToken));

        // The next prompt reaches the agent with a note first; the one after has none.
        model.Enqueue(ScriptedReply.EndTurn, ScriptedReply.EndTurn);
        await kiln.GenerateAsync("add a footer", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        var told = model.ScriptedRequests[^1].UserTexts[^1];
        Assert.StartsWith("<system-reminder>", told, StringComparison.Ordinal);
        Assert.Contains("restored the app's files to version 1 (made by the prompt \"a page that says one\")", told, StringComparison.Ordinal);
        Assert.EndsWith("add a footer", told, StringComparison.Ordinal);

        await kiln.GenerateAsync("make it blue", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        Assert.Equal("make it blue", model.ScriptedRequests[^1].UserTexts[^1]);

        // The generation's own record keeps the person's words, without the note.
        var project = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}", cancellationToken);
        Assert.Equal("add a footer", project.GetProperty("prompts")[2].GetProperty("text").GetString());
        versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", cancellationToken)).EnumerateArray().ToList();
        Assert.Equal(["a page that says one", "make it say two", "Restore version 1", "add a footer", "make it blue"], versions.Select(v => v.GetProperty("prompt").GetString()));
    }

    private static void Write(string app, string relative, string content) => Write(app, relative, Encoding.UTF8.GetBytes(content));

    private static void Write(string app, string relative, byte[] content)
    {
        var path = Path.Combine(app, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    /// <summary>Every file of the app but Kiln's history, dependencies and build output: its bytes and whether it is executable.</summary>
    private static Dictionary<string, (byte[] Content, bool Executable)> Snapshot(string app) =>
        Directory.EnumerateFiles(app, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(app, path))
            .Where(path => !path.StartsWith(".git/", StringComparison.Ordinal) && !path.StartsWith("node_modules/", StringComparison.Ordinal)
                && !path.StartsWith("dist/", StringComparison.Ordinal))
            .ToDictionary(
                path => path,
                path => (File.ReadAllBytes(Path.Combine(app, path)), (File.GetUnixFileMode(Path.Combine(app, path)) & UnixFileMode.UserExecute) != 0),
                StringComparer.Ordinal);
}
