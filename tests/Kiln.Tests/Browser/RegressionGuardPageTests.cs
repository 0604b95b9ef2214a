using System.Text.Json;
using Kiln.Browser;
using Kiln.Events;
using Kiln.Testing;
using Kiln.Versions;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Browser;

/// <summary>
/// What the regression guard counts as broken, on a static app in real Chromium (no dev server to wait for): a page
/// that throws, one that never finishes loading, and one that is gone are regressions; a page that still renders, or
/// whose only fault is a request the browser blocks, is not. The guard is driven as a generation's end drives it.
/// Slow: the page that never loads costs a check's timeout and a browser restart, twice.
/// </summary>
[Collection(KilnBrowser.Name)]
[Slow]
public sealed class RegressionGuardPageTests
{
    private static string Html(string title, string? script = null) =>
        $"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{(script is null ? "" : $"<script>{script}</script>")}</body></html>";

    [Fact]
    public async Task Pages_that_broke_are_regressions_with_their_errors_and_pages_that_still_render_are_not()
    {
        await using var harness = BrowserHarness.Start(new Dictionary<string, string?> { ["Kiln:Browser:CheckTimeout"] = "00:00:06" });
        var project = await harness.CreateProjectAsync(new Dictionary<string, string>
        {
            ["index.html"] = Html("Home"),
            ["about.html"] = Html("About"),
            ["loop.html"] = Html("Loop"),
            ["gone.html"] = Html("Gone"),
            // A font from another origin is blocked in every check: a failed request, not a broken page.
            ["font.html"] = Html("Font").Replace("</head>", "<link rel=\"stylesheet\" href=\"https://fonts.example.com/css\"></head>", StringComparison.Ordinal),
        });
        string[] paths = ["/", "/about.html", "/loop.html", "/gone.html", "/font.html"];
        foreach (var path in paths)
        {
            var result = await project.CheckAsync(path);
            Assert.False(result.IsError is true, path);
        }

        var guard = harness.Kiln.Services.GetRequiredService<RegressionGuard>();
        var screenshots = harness.Kiln.Services.GetRequiredService<VersionScreenshots>();
        var cancellation = TestContext.Current.CancellationToken;
        await guard.AfterGenerationAsync(project.Id, Version(1), recheck: true, cancellation);
        var first = await screenshots.ListAsync(project.Id, 1, cancellation);
        Assert.Equal(paths, first.Select(page => page.Path));
        Assert.All(first, page => Assert.True(page is { Rendered: true, HasScreenshot: true, CheckedBy: PageCheckedBy.Agent }, page.ToString()));

        // The next version breaks three of them; nobody looks, but Kiln does.
        var app = harness.AppDirectory(project.Id);
        await File.WriteAllTextAsync(Path.Combine(app, "about.html"), Html("About", "throw new Error('about exploded')"), cancellation);
        await File.WriteAllTextAsync(Path.Combine(app, "loop.html"), Html("Loop", "while (true) {}"), cancellation);
        File.Delete(Path.Combine(app, "gone.html"));
        await guard.AfterGenerationAsync(project.Id, Version(2), recheck: true, cancellation);

        var found = (await project.EventsAsync()).Where(e => e.Type == "regression_found").Select(e => e.Data).ToList();
        Assert.Equal(["/about.html", "/loop.html", "/gone.html"], found.Select(data => data.GetProperty("path").GetString()));
        Assert.All(found, data =>
        {
            Assert.Equal(2, data.GetProperty("version").GetInt32());
            Assert.Equal(1, data.GetProperty("renderedIn").GetInt32());
        });
        Assert.StartsWith("Uncaught Error: about exploded", Errors(found[0])[0], StringComparison.Ordinal);
        Assert.Contains("did not finish", Errors(found[1])[0], StringComparison.Ordinal);
        Assert.Equal(["HTTP 404"], Errors(found[2]));

        var second = (await screenshots.ListAsync(project.Id, 2, cancellation)).ToDictionary(page => page.Path);
        Assert.Equal(paths.Order(StringComparer.Ordinal), second.Keys.Order(StringComparer.Ordinal));
        Assert.True(second["/"] is { Rendered: true, HasScreenshot: true, CheckedBy: PageCheckedBy.Kiln, Before: 1 }, second["/"].ToString());
        Assert.True(second["/font.html"].Rendered, second["/font.html"].ToString());
        Assert.False(second["/loop.html"].HasScreenshot);
        Assert.Null(await screenshots.ReadAsync(project.Id, 2, "/loop.html", cancellation));
        Assert.NotNull(await screenshots.ReadAsync(project.Id, 2, "/about.html", cancellation));

        var errors = harness.Kiln.Services.GetRequiredService<Kiln.Preview.PreviewErrors>();
        var open = errors.Open(project.Id).Where(error => error.Source == PreviewErrorSource.Regression).ToList();
        Assert.Equal(3, open.Count);

        // Still broken in the version after: the same open errors come back (same ids), so auto-fix sees them repeat.
        await guard.AfterGenerationAsync(project.Id, Version(3), recheck: true, cancellation);
        var again = errors.Open(project.Id).Where(error => error.Source == PreviewErrorSource.Regression).ToList();
        Assert.Equal(open.Select(error => error.Id), again.Select(error => error.Id));
        Assert.All(again, error => Assert.Equal(2, error.Count));
        Assert.Equal(6, (await project.EventsAsync()).Count(e => e.Type == "regression_found"));
    }

    private static AppVersion Version(int number) =>
        new(number, new string((char)('a' + number), 40), $"prompt {number}", DateTimeOffset.UtcNow, VersionOutcome.Ready, null, 0, 0, 0, null, null);

    private static List<string> Errors(JsonElement data) => [.. data.GetProperty("errors").EnumerateArray().Select(error => error.GetString()!)];
}
