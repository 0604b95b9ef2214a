using Kiln.Tests.Preview;
using Kiln.Tests.WebUi;
using Microsoft.Playwright;

namespace Kiln.Tests.PreviewErrors;

/// <summary>
/// A real page in real Chromium, served through its preview origin with a CSP that allows only its own scripts:
/// what it throws, rejects and logs reaches Kiln as preview errors, and a loop of throws stays one error.
/// </summary>
[Collection(WebUiInChromium.Name)]
public sealed class RuntimeErrorTests(WebUi.Browser browser)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task What_a_page_throws_rejects_and_logs_becomes_counted_preview_errors()
    {
        await using var preview = PreviewHarness.Start();
        var projectId = await preview.CreateProjectAsync();
        // Written by the agent's own tool, as a generation would.
        await WriteAsync(preview, projectId, "index.html", """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; connect-src 'self'">
            <title>Throws</title>
            </head>
            <body>
            <h1>Loading</h1>
            <script src="app.js"></script>
            </body>
            </html>
            """);
        await WriteAsync(preview, projectId, "app.js", """
            document.querySelector("h1").textContent = "Loaded";
            Promise.reject(new Error("nobody handles this"));
            setInterval(() => { throw new Error("tick failed"); }, 5);
            console.error("Something looks wrong:", 42);
            """);

        await using var ui = await browser.OpenAsync(preview.UrlFor(projectId));
        await ui.Page.GotoAsync(preview.UrlFor(projectId).ToString());
        await Assertions.Expect(ui.Page.Locator("h1")).ToHaveTextAsync("Loaded");

        // The loop throws every few milliseconds; wait until it has thrown a hundred times and more.
        var loop = await ErrorReports.WaitForOpenAsync(preview.Kiln, projectId,
            e => e.GetProperty("message").GetString() == "Error: tick failed" && e.GetProperty("count").GetInt32() >= 100, Timeout, "the loop's, seen 100 times");
        await ui.Page.CloseAsync();

        Assert.Equal("runtime", loop.GetProperty("source").GetString());
        Assert.Equal("app.js", loop.GetProperty("file").GetString());
        Assert.Equal(3, loop.GetProperty("line").GetInt32());
        var open = await ErrorReports.OpenAsync(preview.Kiln, projectId);
        Assert.Contains(open, e => e.GetProperty("message").GetString() == "Unhandled promise rejection: Error: nobody handles this");
        Assert.Contains(open, e => e.GetProperty("message").GetString() == "console.error: Something looks wrong: 42");
        Assert.Single(open, e => e.GetProperty("message").GetString() == "Error: tick failed");

        // However often it threw, its events are the first one and one per power of ten the count passed.
        var id = loop.GetProperty("id").GetString();
        var events = (await ErrorReports.StoredAsync(preview.Kiln, projectId, "preview_error")).Where(e => e.GetProperty("id").GetString() == id).ToList();
        var count = (await ErrorReports.OpenAsync(preview.Kiln, projectId)).Single(e => e.GetProperty("id").GetString() == id).GetProperty("count").GetInt32();
        Assert.InRange(events.Count, 1, 1 + (int)Math.Floor(Math.Log10(count)));
        Assert.True(events.Select(e => e.GetProperty("count").GetInt32()).SequenceEqual(events.Select(e => e.GetProperty("count").GetInt32()).Order()));
    }

    private static async Task WriteAsync(PreviewHarness preview, string projectId, string path, string content)
    {
        var (isError, text) = await preview.CallToolAsync(projectId, "write_file", new Dictionary<string, object?> { ["path"] = path, ["content"] = content });
        Assert.False(isError, text);
    }
}
