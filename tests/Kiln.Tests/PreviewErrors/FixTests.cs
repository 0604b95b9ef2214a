using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Preview;

namespace Kiln.Tests.PreviewErrors;

/// <summary>
/// Sending the collected errors back to the agent, against a scripted model: by request (<c>POST /fix</c>), and by
/// Kiln itself after a generation (<c>Kiln:Agent:AutoFix</c>), which stops at its limit or when an error comes back.
/// </summary>
[Slow]
public sealed class FixTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static PreviewHarness Start(ScriptedModelServer model, int autoFix = 0) => PreviewHarness.Start(new Dictionary<string, string?>
    {
        ["Anthropic:ApiKey"] = "sk-test-scripted",
        ["Anthropic:BaseUrl"] = model.BaseUrl,
        ["Kiln:Agent:Runtime"] = "builtin",
        ["Kiln:Agent:Model"] = "claude-scripted",
        ["Kiln:Agent:AutoFix"] = autoFix.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    [Fact]
    public async Task Fix_sends_the_open_errors_to_the_agent_and_its_generation_starts_them_afresh()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.Text("Fixed the list."));
        await using var preview = Start(model);
        var projectId = await preview.CreateProjectAsync();
        await ErrorReports.WriteStaticAppAsync(preview.AppDirectory(projectId), "items.map(String);\n");
        using (var reported = await ErrorReports.PostAsync(preview, projectId,
                   ErrorReports.Error("TypeError: items.map is not a function", $"{preview.UrlFor(projectId)}app.js", 1, 7, count: 12)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        using var client = preview.Kiln.Client();
        using var response = await client.PostAsync($"/api/projects/{projectId}/fix", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("queued", body.GetProperty("status").GetString());
        var request = await model.WaitForRequestAsync(r => !r.IsSideCall, new CancellationTokenSource(Timeout).Token);
        var prompt = request.LastUserText ?? "";
        Assert.StartsWith("Fix the errors the running app reports.", prompt, StringComparison.Ordinal);
        Assert.Contains("[preview page] TypeError: items.map is not a function", prompt, StringComparison.Ordinal);
        Assert.Contains("at app.js:1:7", prompt, StringComparison.Ordinal);
        Assert.Contains("seen 12 times", prompt, StringComparison.Ordinal);
        await preview.Kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        // The fix is this project's prompt like any other, and what it was about is no longer open.
        using var project = JsonDocument.Parse(await client.GetStringAsync($"/api/projects/{projectId}", TestContext.Current.CancellationToken));
        Assert.Equal(prompt, project.RootElement.GetProperty("prompts")[1].GetProperty("text").GetString());
        Assert.Empty(await ErrorReports.OpenAsync(preview.Kiln, projectId));
        var cleared = Assert.Single(await ErrorReports.StoredAsync(preview.Kiln, projectId, "preview_errors_cleared"));
        Assert.Equal("generation_started", cleared.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Fix_refuses_with_problems_when_there_is_nothing_to_fix_or_the_agent_is_busy()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(ScriptedReply.Hanging);
        await using var preview = Start(model);
        var projectId = await preview.CreateProjectAsync();
        using var client = preview.Kiln.Client();

        using var nothing = await client.PostAsync($"/api/projects/{projectId}/fix", null, TestContext.Current.CancellationToken);
        using var unknown = await client.PostAsync($"/api/projects/{Kiln.Projects.ProjectIds.New()}/fix", null, TestContext.Current.CancellationToken);
        await preview.Kiln.GenerateAsync("take your time", projectId);
        // Once the model is asked, the generation has started (and cleared the errors it found): this one stays open.
        await model.WaitForRequestAsync(r => !r.IsSideCall, new CancellationTokenSource(Timeout).Token);
        using (await ErrorReports.PostAsync(preview, projectId, ErrorReports.Error("Error: while it works")))
        {
        }

        Assert.Single(await ErrorReports.OpenAsync(preview.Kiln, projectId));

        using var busy = await client.PostAsync($"/api/projects/{projectId}/fix", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, nothing.StatusCode);
        var problem = JsonDocument.Parse(await nothing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("No errors to fix", problem.GetProperty("title").GetString());
        Assert.Contains($"/api/projects/{projectId}/errors", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
        Assert.Equal("application/problem+json", busy.Content.Headers.ContentType?.MediaType);
        using var cancel = await client.PostAsync($"/api/projects/{projectId}/cancel", null, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Auto_fix_runs_at_most_its_limit_while_new_errors_keep_coming()
    {
        Requires.Pnpm();
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            // The prompt: the build fails with "broken 1".
            ScriptedReply.ToolUse("build_project"), ScriptedReply.Text("It does not build yet."),
            // Fix 1 changes the error, fix 2 again: each fix meets a new error.
            ScriptedReply.ToolUse("write_file", new { path = "message.txt", content = "broken 2" }), ScriptedReply.ToolUse("build_project"), ScriptedReply.Text("Still failing."),
            ScriptedReply.ToolUse("write_file", new { path = "message.txt", content = "broken 3" }), ScriptedReply.ToolUse("build_project"), ScriptedReply.Text("Still failing."));
        await using var preview = Start(model, autoFix: 2);
        var projectId = await CreateFailingBuildAsync(preview);

        await preview.Kiln.GenerateAsync("build it", projectId);
        var events = await preview.EventsUntilAsync(projectId, 0, Timeout, "auto_fix_stopped");
        await preview.Kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        var started = events.Where(e => e.GetProperty("type").GetString() == "auto_fix_started").Select(e => e.GetProperty("data")).ToList();
        Assert.Equal(new[] { 1, 2 }, started.Select(e => e.GetProperty("attempt").GetInt32()));
        Assert.All(started, e => Assert.Equal(2, e.GetProperty("maxAttempts").GetInt32()));
        var stopped = events.Last().GetProperty("data");
        Assert.Equal("limit", stopped.GetProperty("reason").GetString());
        Assert.Equal(2, stopped.GetProperty("attempts").GetInt32());
        // Each fix carried the error the generation before it left.
        var fixPrompts = model.ScriptedRequests.Select(r => r.LastUserText ?? "").Where(t => t.StartsWith("Fix the errors", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Equal(2, fixPrompts.Count);
        Assert.Contains("[build] src/main.js:3:7 - error: broken 1", fixPrompts[0], StringComparison.Ordinal);
        Assert.Contains("at src/main.js:3:7", fixPrompts[0], StringComparison.Ordinal);
        Assert.Contains("broken 2", fixPrompts[1], StringComparison.Ordinal);
        // Nothing more was asked: the project's first prompt, this one and two fixes.
        Assert.Equal(4, await PromptCountAsync(preview, projectId));
        var open = Assert.Single(await ErrorReports.OpenAsync(preview.Kiln, projectId));
        Assert.Contains("broken 3", open.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_spending_cap_covers_the_automatic_fixes_of_its_prompt()
    {
        Requires.Pnpm();
        await using var model = await ScriptedModelServer.StartAsync();
        // At Sonnet's price the prompt spends $0.00093 of its $0.001 cap and ends with a build error; the automatic fix
        // it triggers reaches the cap with its first request ($0.00075 more) and is stopped there.
        model.Enqueue(
            ScriptedReply.ToolUse("build_project").WithUsage(200, 10), ScriptedReply.Text("It does not build yet.").WithUsage(10, 10),
            ScriptedReply.ToolUse("write_file", new { path = "message.txt", content = "fixed" }).WithUsage(200, 10),
            ScriptedReply.Text("Never asked."));
        await using var preview = PreviewHarness.Start(new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Kiln:Agent:Model"] = "claude-sonnet-4-5",
            ["Kiln:Agent:AutoFix"] = "3",
        });
        var projectId = await CreateFailingBuildAsync(preview);
        var before = model.ScriptedRequests.Count;

        using var client = preview.Kiln.Client();
        using var response = await client.PostAsJsonAsync("/api/generate", new { prompt = "build it", projectId, model = "claude-sonnet-4-5", maxBudgetUsd = 0.001m }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await preview.EventsUntilAsync(projectId, 0, Timeout, "auto_fix_started");
        var status = await preview.Kiln.WaitForStatusAsync(projectId, Timeout, "failed");

        Assert.Equal(3, model.ScriptedRequests.Count - before);
        var error = status.GetProperty("error").GetString()!;
        Assert.Contains("budget stopped", error, StringComparison.Ordinal);
        Assert.Contains("$0.0017 of its $0.001 limit", error, StringComparison.Ordinal);
        Assert.Contains("automatic fixes", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_fix_stops_when_the_same_error_comes_back()
    {
        Requires.Pnpm();
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("build_project"), ScriptedReply.Text("It does not build yet."),
            // The fix changes nothing: the same error again.
            ScriptedReply.ToolUse("build_project"), ScriptedReply.Text("I could not find it."));
        await using var preview = Start(model, autoFix: 5);
        var projectId = await CreateFailingBuildAsync(preview);

        await preview.Kiln.GenerateAsync("build it", projectId);
        var events = await preview.EventsUntilAsync(projectId, 0, Timeout, "auto_fix_stopped");
        await preview.Kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        Assert.Single(events, e => e.GetProperty("type").GetString() == "auto_fix_started");
        var stopped = events.Last().GetProperty("data");
        Assert.Equal("repeated", stopped.GetProperty("reason").GetString());
        Assert.Equal(1, stopped.GetProperty("attempts").GetInt32());
        Assert.Contains("broken 1", stopped.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, await PromptCountAsync(preview, projectId));
    }

    [Fact]
    public async Task A_successful_build_clears_the_compile_errors()
    {
        Requires.Pnpm();
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("build_project"),
            ScriptedReply.ToolUse("write_file", new { path = "build.mjs", content = "console.log('built');\n" }),
            ScriptedReply.ToolUse("build_project"),
            ScriptedReply.Text("It builds now."));
        await using var preview = Start(model, autoFix: 3);
        var projectId = await CreateFailingBuildAsync(preview);

        await preview.Kiln.GenerateAsync("build it", projectId);
        await preview.Kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        Assert.Empty(await ErrorReports.OpenAsync(preview.Kiln, projectId));
        Assert.Single(await ErrorReports.StoredAsync(preview.Kiln, projectId, "preview_error"));
        var cleared = Assert.Single(await ErrorReports.StoredAsync(preview.Kiln, projectId, "preview_errors_cleared"));
        Assert.Equal("build_succeeded", cleared.GetProperty("reason").GetString());
        // No error left: no automatic fix.
        Assert.Empty(await ErrorReports.StoredAsync(preview.Kiln, projectId, "auto_fix_started"));
    }

    /// <summary>An app whose build prints "src/main.js:3:7 - error: {message.txt}" and fails.</summary>
    private static async Task<string> CreateFailingBuildAsync(PreviewHarness preview)
    {
        var projectId = await preview.CreateProjectAsync();
        var app = preview.AppDirectory(projectId);
        await File.WriteAllTextAsync(Path.Combine(app, "package.json"), """{ "name": "app", "private": true, "scripts": { "build": "node build.mjs" } }""");
        await File.WriteAllTextAsync(Path.Combine(app, "build.mjs"), """
            import { readFileSync } from "node:fs";
            console.error(`src/main.js:3:7 - error: ${readFileSync("message.txt", "utf8").trim()}`);
            process.exit(1);
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "message.txt"), "broken 1");
        Directory.CreateDirectory(Path.Combine(app, "node_modules"));
        return projectId;
    }

    private static async Task<int> PromptCountAsync(PreviewHarness preview, string projectId)
    {
        using var client = preview.Kiln.Client();
        using var project = JsonDocument.Parse(await client.GetStringAsync($"/api/projects/{projectId}", TestContext.Current.CancellationToken));
        return project.RootElement.GetProperty("prompts").GetArrayLength();
    }
}
