using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.WebUi;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.PreviewErrors;

/// <summary>The web UI shows the running app's errors beside the chat, and "Fix it" sends them to the agent.</summary>
[Collection(WebUiInChromium.Name)]
public sealed class ErrorsPanelTests(WebUi.Browser browser)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_project_page_lists_the_apps_errors_and_fix_it_sends_them()
    {
        await using var model = await ScriptedModelServer.StartAsync();
        model.Enqueue(
            ScriptedReply.ToolUse("write_file", new
            {
                path = "index.html",
                content = "<!doctype html><html><head><title>List</title></head><body><h1>My list</h1><script src=\"app.js\"></script></body></html>",
            }),
            ScriptedReply.ToolUse("write_file", new { path = "app.js", content = "const items = undefined;\ndocument.body.append(items.length);\n" }),
            ScriptedReply.Text("Here is your list."),
            ScriptedReply.Text("Fixed: items is a list now."));
        await using var kiln = KilnApp.Start(new Dictionary<string, string?>
        {
            ["Anthropic:ApiKey"] = "sk-test-scripted",
            ["Kiln:Agent:Runtime"] = "builtin",
            ["Anthropic:BaseUrl"] = model.BaseUrl,
            ["Kiln:Agent:Model"] = "claude-scripted",
        });
        var projectId = await kiln.GenerateAsync("a list of my things");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;

        await page.GotoAsync($"/projects/{projectId}");

        // The page in the preview frame throws; its error comes back to the project page.
        var panel = page.Locator("#errors");
        await Expect(panel.Locator(".errors-message")).ToContainTextAsync("Cannot read properties of undefined (reading 'length')");
        await Expect(panel.Locator(".errors-place")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^app\.js:2:\d+$"));
        await Expect(panel.Locator(".errors-title")).ToHaveTextAsync("1 error in the running app");
        await Expect(ui.Timeline.Locator("[data-type=preview_error]")).ToContainTextAsync("Error in the page");
        await ui.ScreenshotAsync("preview-errors");

        await page.Locator("#fix-errors").ClickAsync();

        var fix = await model.WaitForRequestAsync(r => r.LastUserText?.StartsWith("Fix the errors", StringComparison.Ordinal) == true, new CancellationTokenSource(Timeout).Token);
        Assert.Contains("Cannot read properties of undefined (reading 'length')", fix.LastUserText, StringComparison.Ordinal);
        Assert.Contains("at app.js:2:", fix.LastUserText, StringComparison.Ordinal);
        await Expect(ui.Timeline.Locator(".callout-success")).ToHaveCountAsync(2);
    }
}
