using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.WebUi;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.Versions;

/// <summary>The Versions panel in Chromium: a prompt and a follow-up with the offline model, their diffs, and a restore.</summary>
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
}
