using Kiln.Testing;
using Kiln.Tests.Preview;

namespace Kiln.Tests.PreviewErrors;

/// <summary>
/// A generation whose app does not run does not end ready silently: it ends ready with the reason as the project's
/// error, on its status_changed, and as an open error of the app, which auto-fix sends back to the agent.
/// </summary>
public sealed class AppThatDoesNotStartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private const string EchoPackage = """{ "name": "app", "private": true, "scripts": { "dev": "node server.mjs" } }""";

    private static PreviewHarness Start(ScriptedModelServer model, int autoFix = 0) => PreviewHarness.Start(new Dictionary<string, string?>
    {
        ["Anthropic:ApiKey"] = "sk-test-scripted",
        ["Anthropic:BaseUrl"] = model.BaseUrl,
        ["Kiln:Agent:Runtime"] = "builtin",
        ["Kiln:Agent:Model"] = "claude-scripted",
        ["Kiln:Agent:AutoFix"] = autoFix.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    [Fact]
    public async Task An_app_whose_dependencies_are_not_installed_ends_with_an_open_error()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new { path = "package.json", content = EchoPackage }),
            ScriptedReply.Text("The app is ready."));
        await using var preview = Start(model);
        var projectId = await preview.CreateProjectAsync();

        await preview.Kiln.GenerateAsync("make an app", projectId);
        var status = await preview.Kiln.WaitForStatusAsync(projectId, Timeout, "ready", "failed");

        Assert.Equal("ready", status.GetProperty("status").GetString());
        Assert.Equal("The app does not start: its dependencies are not installed (there is no node_modules).", status.GetProperty("error").GetString());
        var open = Assert.Single(await ErrorReports.OpenAsync(preview.Kiln, projectId));
        Assert.Equal("dev_server", open.GetProperty("source").GetString());
        Assert.Equal(status.GetProperty("error").GetString(), open.GetProperty("message").GetString());
        var changed = (await ErrorReports.StoredAsync(preview.Kiln, projectId, "status_changed")).Last();
        Assert.Equal("ready", changed.GetProperty("status").GetString());
        Assert.Equal(status.GetProperty("error").GetString(), changed.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_app_whose_dev_server_exits_ends_with_an_open_error_that_auto_fix_sends_back_until_it_runs()
    {
        Requires.Node();
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            // The prompt: a dev server that exits before it answers.
            ScriptedReply.ToolUse("write_file", new { path = "server.mjs", content = "console.error('Error: the config is missing');\nprocess.exit(1);\n" }),
            ScriptedReply.ToolUse("write_file", new { path = "package.json", content = EchoPackage }),
            ScriptedReply.Text("The app is ready."),
            // The automatic fix: a server that answers.
            ScriptedReply.ToolUse("write_file", new
            {
                path = "server.mjs",
                content = "import http from 'node:http';\nhttp.createServer((q, r) => r.end('<h1>hello</h1>')).listen(Number(process.env.PORT), process.env.HOST);\n",
            }),
            ScriptedReply.Text("Fixed the server."));
        await using var preview = Start(model, autoFix: 1);
        var projectId = await preview.CreateProjectAsync();
        Directory.CreateDirectory(Path.Combine(preview.AppDirectory(projectId), "node_modules"));

        await preview.Kiln.GenerateAsync("make an app", projectId);
        var events = await preview.EventsUntilAsync(projectId, 0, Timeout, "auto_fix_stopped");
        var status = await preview.Kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        // The first generation ended ready, but not silently: its reason, and the error the fix prompt carried.
        var reasons = events.Where(e => e.GetProperty("type").GetString() == "status_changed")
            .Select(e => e.GetProperty("data"))
            .Where(d => d.GetProperty("status").GetString() == "ready")
            .Select(d => d.TryGetProperty("reason", out var reason) ? reason.GetString() : null)
            .ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Equal("The app does not start: its dev server (\"dev\": \"node server.mjs\") did not start.", reasons[0]);
        Assert.Null(reasons[1]);
        var reported = Assert.Single(events, e => e.GetProperty("type").GetString() == "preview_error").GetProperty("data");
        Assert.Equal("dev_server", reported.GetProperty("source").GetString());
        Assert.Contains("the config is missing", reported.GetProperty("stack").GetString(), StringComparison.Ordinal);
        var fixPrompt = model.ScriptedRequests.Select(r => r.LastUserText ?? "").First(t => t.StartsWith("Fix the errors", StringComparison.Ordinal));
        Assert.Contains("[dev server] The app does not start", fixPrompt, StringComparison.Ordinal);
        // The fix made it run: no error left, and the preview serves the app.
        Assert.Equal("fixed", events[^1].GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, status.GetProperty("error").ValueKind);
        Assert.Empty(await ErrorReports.OpenAsync(preview.Kiln, projectId));
        using var page = await preview.GetAsync(projectId, pageLoad: true);
        Assert.Contains("<h1>hello</h1>", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
