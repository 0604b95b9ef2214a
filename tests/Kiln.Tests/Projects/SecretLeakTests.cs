using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Preview;
using Kiln.Tests.Sandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kiln.Tests.Projects;

/// <summary>
/// A secret set over the API reaches the app's processes (a command the agent runs, the dev server) and nothing else:
/// a scripted agent runs a command that prints it and starts a dev server that prints it, and then the value is looked
/// for in every answer, event, log line, file on disk, the download, the git history and every request the model got.
/// </summary>
[Slow]
public sealed class SecretLeakTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private const string ProbeScript = """
        import { createHash } from "node:crypto";
        import { writeFileSync } from "node:fs";
        const secret = process.env.APP_SECRET ?? "";
        console.log("sha256:" + createHash("sha256").update(secret).digest("hex"));
        console.log("greeting:" + process.env.GREETING);
        console.log("echoed:" + secret);
        writeFileSync("secret-copy.txt", "copied:" + secret + "\n");
        """;

    private const string DevServer = """
        import http from "node:http";
        import { createHash } from "node:crypto";
        const secret = process.env.APP_SECRET ?? "";
        console.log("dev server secret: " + secret);
        http.createServer((request, response) => {
          response.setHeader("content-type", "application/json");
          response.end(JSON.stringify({ sha256: createHash("sha256").update(secret).digest("hex") }));
        }).listen(Number(process.env.PORT), process.env.HOST);
        """;

    [Fact]
    public async Task A_secret_reaches_the_command_and_the_dev_server_and_its_value_is_found_nowhere_else()
    {
        Requires.Node();
        Requires.Git();
        var secret = "kiln-test-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

        await using var model = await ScriptedModelServer.StartAsync(cancellationToken: Token);
        await using var preview = PreviewHarness.Start(new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-scripted",
        });
        var kiln = preview.Kiln;
        await kiln.Services.RequireBubblewrapAsync();
        kiln.Log.MinimumLevel = LogLevel.Trace;
        using var client = kiln.Client();
        var answers = new StringBuilder();

        model.Enqueue(ScriptedReply.ToolUse("write_file", new { path = "index.html", content = "<h1>Hello</h1>" }), ScriptedReply.EndTurn);
        var projectId = await kiln.GenerateAsync("a page that says hello", cancellationToken: Token);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        using (var put = await client.PutAsJsonAsync($"/api/projects/{projectId}/secrets/APP_SECRET", new { value = secret }, Token))
        {
            answers.Append(await put.Content.ReadAsStringAsync(Token));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var put = await client.PutAsJsonAsync($"/api/projects/{projectId}/env", new Dictionary<string, string> { ["GREETING"] = "hello from env" }, Token))
        {
            answers.Append(await put.Content.ReadAsStringAsync(Token));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // The dev server has nothing to install.
        Directory.CreateDirectory(Path.Combine(preview.AppDirectory(projectId), "node_modules"));
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "scripts/probe.mjs", content = ProbeScript }),
            ScriptedReply.ToolUse("run_command", new { command = "node scripts/probe.mjs" }),
            // A file the command wrote holds the value: read back to the model, it is hidden too; deleted before the version.
            ScriptedReply.ToolUse("read_file", new { path = "secret-copy.txt" }),
            ScriptedReply.ToolUse("delete_file", new { path = "secret-copy.txt" }),
            ScriptedReply.ToolUse("write_file", new { path = "package.json", content = """{ "name": "probe", "private": true, "scripts": { "dev": "node server.mjs" } }""" }),
            ScriptedReply.ToolUse("write_file", new { path = "server.mjs", content = DevServer }),
            ScriptedReply.ToolUse("start_dev_server"),
            ScriptedReply.ToolUse("check_server_status"),
            ScriptedReply.EndTurn);
        await kiln.GenerateAsync("show the secret's hash", projectId, Token);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        // It reached the command: the command saw its hash and the variable, and its own echo of it came back hidden.
        // Each request carries the conversation so far: the first one after the command holds its result.
        var commandResult = model.ScriptedRequests.SelectMany(r => r.ToolResults).First(r => r.Text.Contains("sha256:", StringComparison.Ordinal));
        Assert.Contains("sha256:" + sha256, commandResult.Text, StringComparison.Ordinal);
        Assert.Contains("greeting:hello from env", commandResult.Text, StringComparison.Ordinal);
        Assert.Contains("echoed:[secret APP_SECRET]", commandResult.Text, StringComparison.Ordinal);
        Assert.Contains(
            model.ScriptedRequests.SelectMany(r => r.ToolResults), r => r.Text.Contains("copied:[secret APP_SECRET]", StringComparison.Ordinal));

        // It reached the dev server, whose answer through the preview is computed from its own environment.
        using (var page = await preview.GetAsync(projectId))
        {
            var body = await page.Content.ReadAsStringAsync(Token);
            Assert.True(page.StatusCode == HttpStatusCode.OK, body);
            Assert.Contains(sha256, body, StringComparison.Ordinal);
        }

        // The agent was told the names (the variable's value too), never the secret's value.
        var briefed = model.ScriptedRequests.Select(r => string.Join('\n', r.UserTexts)).First(text => text.Contains("show the secret's hash", StringComparison.Ordinal));
        Assert.Contains("# Environment variables and secrets", briefed, StringComparison.Ordinal);
        Assert.Contains("- APP_SECRET", briefed, StringComparison.Ordinal);
        Assert.Contains("- GREETING = hello from env", briefed, StringComparison.Ordinal);

        // Nowhere else: the model's requests, the API's answers, the events, the log, every file on disk, the download, git.
        foreach (var request in model.Requests)
        {
            AssertNoSecret(secret, request.Body.ToJsonString(), $"model request {request.Index}");
        }

        foreach (var path in new[]
                 {
                     $"/api/projects/{projectId}", $"/api/projects/{projectId}/status", $"/api/projects/{projectId}/env",
                     $"/api/projects/{projectId}/secrets", $"/api/projects/{projectId}/files", $"/api/projects/{projectId}/versions",
                     $"/api/projects/{projectId}/versions/2/diff", $"/api/projects/{projectId}/errors", "/api/projects",
                 })
        {
            using var response = await client.GetAsync(path, Token);
            Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}");
            answers.Append(await response.Content.ReadAsStringAsync(Token));
        }

        AssertNoSecret(secret, answers.ToString(), "the API's answers");

        var events = new StringBuilder();
        await foreach (var stored in kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, Token))
        {
            events.Append(Encoding.UTF8.GetString(stored.Utf8Json)).Append('\n');
        }

        Assert.Contains("echoed:[secret APP_SECRET]", events.ToString(), StringComparison.Ordinal);
        AssertNoSecret(secret, events.ToString(), "the events");

        var log = string.Join('\n', kiln.Log.Entries.Select(e => $"{e.Category}: {e.Message} {e.Exception}"));
        Assert.Contains("Kiln.", log, StringComparison.Ordinal);
        AssertNoSecret(secret, log, "Kiln's log");

        var devServerLog = await File.ReadAllTextAsync(Path.Combine(kiln.Services.GetRequiredService<ProjectWorkspace>().LogsDirectory(projectId), "dev-server.log"), Token);
        Assert.Contains("dev server secret: [secret APP_SECRET]", devServerLog, StringComparison.Ordinal);

        // Every file Kiln keeps, the store (which holds the secret sealed) and the dev server's log included.
        foreach (var file in Directory.EnumerateFiles(kiln.ProjectsRoot, "*", SearchOption.AllDirectories))
        {
            AssertNoSecret(secret, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, Token)), file);
        }

        using (var download = await client.GetAsync($"/api/projects/{projectId}/download", Token))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            using var zip = new ZipArchive(await download.Content.ReadAsStreamAsync(Token), ZipArchiveMode.Read);
            Assert.Contains(zip.Entries, entry => entry.FullName.EndsWith("probe.mjs", StringComparison.Ordinal));
            foreach (var entry in zip.Entries)
            {
                using var reader = new StreamReader(await entry.OpenAsync(Token));
                AssertNoSecret(secret, await reader.ReadToEndAsync(Token), $"download entry {entry.FullName}");
            }
        }

        var history = await ExternalProgram.RunAsync(Requires.Git(), ["log", "-p", "--all"], Timeout, Token, preview.AppDirectory(projectId));
        Assert.Contains("probe.mjs", history.Output, StringComparison.Ordinal);
        AssertNoSecret(secret, history.Output, "git log -p");
    }

    private static void AssertNoSecret(string secret, string text, string where) =>
        Assert.False(text.Contains(secret, StringComparison.Ordinal), $"The secret's value is in {where}.");
}
