using Kiln.Tests.WebUi;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.Versions;

/// <summary>"Import an app" on the home page, in Chromium: a dropped zip becomes a running project; a hostile zip or a file:// remote is refused, saying why.</summary>
[Collection(WebUiInChromium.Name)]
public sealed class ImportUiTests(OfflineKiln fixture, WebUi.Browser browser) : IClassFixture<OfflineKiln>
{
    [Fact]
    public async Task A_zip_dropped_on_the_home_page_becomes_a_running_project_and_a_hostile_one_says_why_not()
    {
        var kiln = fixture.Kiln;
        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        var page = ui.Page;
        await page.GotoAsync("/");
        var panel = page.Locator("#import-panel");
        await Expect(panel.GetByRole(AriaRole.Heading, new() { Name = "Import an app" })).ToBeVisibleAsync();

        var hostile = ImportZipTests.Zip(("index.html", "<h1>ok</h1>", null), ("../escape.html", "<h1>out</h1>", null));
        await page.Locator("#import-file").SetInputFilesAsync(new FilePayload { Name = "hostile.zip", MimeType = "application/zip", Buffer = hostile });
        await Expect(page.Locator("#import-error")).ToContainTextAsync("'..'");
        await Expect(page).ToHaveURLAsync(kiln.BaseAddress.ToString());

        await page.Locator("#import-git-url").FillAsync("file:///etc");
        await page.Locator("#import-git-submit").ClickAsync();
        await Expect(page.Locator("#import-error")).ToContainTextAsync("file://");

        var site = ImportZipTests.Zip(("site/index.html", "<!doctype html><title>Dropped</title><h1>Dropped in Kiln</h1>", null));
        await panel.EvaluateAsync("""
            (panel, bytes) => {
              const transfer = new DataTransfer();
              transfer.items.add(new File([new Uint8Array(bytes)], "site.zip", { type: "application/zip" }));
              panel.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
              panel.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
            }
            """, site.Select(b => (int)b).ToArray());

        await ui.ProjectIdAsync();
        await Expect(page.Locator(".project-status .pill")).ToHaveTextAsync("Ready", new() { Timeout = 60_000 });
        await Expect(ui.PreviewFrame.Locator("h1")).ToHaveTextAsync("Dropped in Kiln", new() { Timeout = 30_000 });
        // The timeline says what came in, in words, not as the event's JSON.
        await Expect(page.Locator(".timeline")).ToContainTextAsync("Imported site.zip · 1 file");
        await Expect(page.Locator(".timeline .ev-json")).ToHaveCountAsync(0);
        await ui.ScreenshotAsync("import-dropped");
        ui.AssertHealthy();
    }
}
