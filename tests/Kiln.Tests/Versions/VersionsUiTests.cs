using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Events;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.WebUi;
using Kiln.Versions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.Versions;

/// <summary>
/// The Versions panel in Chromium: a prompt and a follow-up with the offline model, their diffs, the pages each version
/// showed beside the version before, and a restore.
/// </summary>
[Collection(WebUiInChromium.Name)]
public sealed class VersionsUiTests(WebUi.Browser browser)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_versions_panel_lists_versions_shows_their_diffs_and_restores_one_after_confirmation()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("a todo list for my groceries");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Ready");

        // A follow-up from the page: its version appears in the panel as it is made.
        await page.Locator("#tab-versions").ClickAsync();
        var items = page.Locator(".version-item");
        await Expect(items).ToHaveCountAsync(1);
        await page.Locator("#followup-prompt").FillAsync("make it dark");
        await page.Locator("#followup-submit").ClickAsync();
        await Expect(items).ToHaveCountAsync(2, new() { Timeout = (float)Timeout.TotalMilliseconds });
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Ready");
        await Expect(page.Locator("#tab-versions .version-count")).ToHaveTextAsync("2");

        // Newest first, with the prompt, the outcome and git's counts.
        await Expect(items.Nth(0).Locator(".version-number")).ToHaveTextAsync("v2");
        await Expect(items.Nth(0).Locator(".version-prompt")).ToHaveTextAsync("make it dark");
        await Expect(items.Nth(0)).ToContainTextAsync("Ready");
        await Expect(items.Nth(1).Locator(".version-prompt")).ToHaveTextAsync("a todo list for my groceries");

        // The diff of the follow-up: the theme line, removed and added, highlighted as HTML.
        await items.Nth(0).ClickAsync();
        await Expect(page.Locator(".version-head")).ToContainTextAsync("Version 2");
        var indexDiff = page.Locator(".diff-file[data-path='index.html']");
        await Expect(indexDiff.Locator(".diff-add")).ToContainTextAsync(["data-theme=\"dark\""]);
        await Expect(indexDiff.Locator(".diff-del")).ToContainTextAsync(["data-theme=\"light\""]);
        await Expect(indexDiff.Locator(".diff-add .tok-tag").First).ToBeVisibleAsync();
        // The app as it is now cannot be restored onto itself.
        await Expect(page.Locator(".version-restore")).ToBeDisabledAsync();

        // The first version added every file.
        await items.Nth(1).ClickAsync();
        await Expect(page.Locator(".version-head")).ToContainTextAsync("Version 1");
        await Expect(page.Locator(".diff-file")).ToHaveCountAsync(3);
        await Expect(page.Locator(".diff-status").First).ToHaveTextAsync("added");
        await ui.ScreenshotAsync("versions-diff");

        // Restore asks first; "Keep it" changes nothing.
        await page.Locator(".version-restore").ClickAsync();
        await Expect(page.Locator("#confirm-dialog")).ToBeVisibleAsync();
        await Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Restore version 1?");
        await page.Locator("#confirm-cancel").ClickAsync();
        await Expect(page.Locator("#confirm-dialog")).ToBeHiddenAsync();
        await Expect(items).ToHaveCountAsync(2);

        await page.Locator(".version-restore").ClickAsync();
        await Expect(page.Locator("#confirm-ok")).ToHaveTextAsync("Restore");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator(".toast")).ToContainTextAsync("Restored version 1 as version 3.");
        await Expect(items).ToHaveCountAsync(3);
        await Expect(items.Nth(0).Locator(".version-prompt")).ToHaveTextAsync("Restore version 1");
        await Expect(items.Nth(0)).ToContainTextAsync("Restored");
        await Expect(ui.PreviewFrame.Locator("html")).ToHaveAttributeAsync("data-theme", "light", new() { Timeout = (float)Timeout.TotalMilliseconds });
        await ui.ScreenshotAsync("versions-restored");

        using var client = kiln.Client();
        var versions = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", TestContext.Current.CancellationToken);
        Assert.Equal(3, versions.GetArrayLength());
        Assert.Equal(1, versions[2].GetProperty("restoredFrom").GetInt32());
        ui.AssertHealthy();
    }

    [Fact]
    public async Task The_versions_panel_shows_a_page_before_and_after_side_by_side()
    {
        // The offline model opens its app with check_app before it finishes (version 1); after the follow-up, Kiln
        // re-checks the page that rendered, so version 2 keeps it too, with version 1 as its "before".
        Kiln.Testing.Requires.Chromium();
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("a todo list for my groceries");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        await kiln.GenerateAsync("make it dark", projectId);
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");

        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync($"/projects/{projectId}");
        await page.Locator("#tab-versions").ClickAsync();
        await Expect(page.Locator(".version-head")).ToContainTextAsync("Version 2");

        var compare = page.Locator(".page-compare[data-path='/']");
        await Expect(compare).ToBeVisibleAsync();
        await Expect(compare.Locator(".page-state")).ToHaveTextAsync("Renders");
        await Expect(compare.Locator(".page-meta")).ToContainTextAsync("re-checked by Kiln");
        var before = compare.Locator(".page-shot-before");
        var after = compare.Locator(".page-shot-after");
        await Expect(before.Locator("figcaption")).ToHaveTextAsync("Before · v1");
        await Expect(after.Locator("figcaption")).ToHaveTextAsync("After · v2");
        await Expect(before.Locator(".page-shot-frame")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("loading"));
        await Expect(after.Locator(".page-shot-frame")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("loading"));
        Assert.True(await before.Locator("img").EvaluateAsync<bool>("img => img.complete && img.naturalWidth === 1280"));
        Assert.True(await after.Locator("img").EvaluateAsync<bool>("img => img.complete && img.naturalWidth === 1280"));

        await ui.ScreenshotAsync("versions-pages");

        // Side by side: the same row, the version before on the left, each at least a quarter of the window wide.
        var left = await before.BoundingBoxAsync();
        var right = await after.BoundingBoxAsync();
        Assert.NotNull(left);
        Assert.NotNull(right);
        Assert.Equal(left.Y, right.Y, 1.0);
        Assert.True(left.X + left.Width <= right.X, $"before ends at {left.X + left.Width}, after starts at {right.X}");
        var card = await compare.BoundingBoxAsync();
        Assert.True(left.Width >= card!.Width * 0.4 && right.Width >= card.Width * 0.4, $"each screenshot is about {left.Width} px of {card.Width}");

        // The first version has the page too, with nothing before it.
        await page.Locator(".version-item").Nth(1).ClickAsync();
        await Expect(page.Locator(".version-head")).ToContainTextAsync("Version 1");
        await Expect(page.Locator(".page-compare[data-path='/'] .page-meta")).ToContainTextAsync("checked by the agent");
        await Expect(page.Locator(".page-shot-before.empty")).ToContainTextAsync("No earlier version rendered this page.");

        // A regression, as the guard records it: the timeline's callout opens the broken page beside the version it rendered in.
        var screenshots = kiln.Services.GetRequiredService<VersionScreenshots>();
        var cancellation = TestContext.Current.CancellationToken;
        var light = await screenshots.ReadAsync(projectId, 1, "/", cancellation);
        var dark = await screenshots.ReadAsync(projectId, 2, "/", cancellation);
        await screenshots.SaveAsync(projectId, 1, new CheckedPage("/about", 1280, [], PageCheckedBy.Agent, DateTimeOffset.UtcNow, light), cancellation);
        string[] errors = ["Uncaught Error: The about page needs five team members at About (/src/About.tsx:4:32)"];
        await screenshots.SaveAsync(projectId, 2, new CheckedPage("/about", 1280, errors, PageCheckedBy.Kiln, DateTimeOffset.UtcNow, dark), cancellation);
        await kiln.Services.GetRequiredService<EventLog>().AppendAsync(projectId, new RegressionFound("/about", 2, 1, errors), cancellation);

        var callout = ui.Timeline.Locator("[data-type='regression_found']");
        await Expect(callout).ToContainTextAsync("/about broke");
        await Expect(callout).ToContainTextAsync("rendered without errors in version 1 and fails in version 2");
        await Expect(callout.Locator("li")).ToHaveTextAsync(errors);
        await callout.GetByRole(AriaRole.Button, new() { Name = "Compare the screenshots" }).ClickAsync();
        await Expect(page.Locator(".version-head")).ToContainTextAsync("Version 2");
        var broken = page.Locator(".page-compare.broken[data-path='/about']");
        await Expect(broken.Locator(".page-state")).ToHaveTextAsync("Broken since v1");
        await Expect(broken.Locator(".page-errors li")).ToHaveTextAsync(errors);
        await Expect(broken.Locator(".page-shot-after .page-shot-frame")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("loading"));
        await broken.ScrollIntoViewIfNeededAsync();
        await ui.ScreenshotAsync("versions-regression");
        ui.AssertHealthy();
    }
}
