using System.Net;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.WebUi;

namespace Kiln.Tests.Api;

/// <summary>
/// A file of the app opened from the API (the UI's "Raw" view) is shown, never run: the app's code is hostile, and on
/// Kiln's own origin a script could drive the API — list every project, delete one.
/// </summary>
[Collection(WebUiInChromium.Name)]
public sealed class RawFileTests(WebUi.Browser browser)
{
    private const string Hostile = """
        <!doctype html><title>raw</title><h1>Shown</h1>
        <script>
          document.title = "ran";
          fetch("/api/projects").then(r => r.text()).then(t => { document.title = "read " + t.length; });
        </script>
        """;

    [Fact]
    public async Task An_html_file_opened_from_the_api_is_shown_sandboxed_and_its_script_never_runs_on_kilns_origin()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        await File.WriteAllTextAsync(Path.Combine(kiln.ProjectsRoot, projectId, "generated-app", "x.html"), Hostile);

        using var client = kiln.Client();
        using var response = await client.GetAsync($"/api/projects/{projectId}/files/x.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.StartsWith("sandbox;", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);

        await using var ui = await browser.OpenAsync(kiln.BaseAddress);
        await ui.Page.GotoAsync(new Uri(kiln.BaseAddress, $"/api/projects/{projectId}/files/x.html").ToString());
        await ui.Page.WaitForTimeoutAsync(500); // time for a script, had one run, to set the title and fetch
        Assert.Equal("Shown", await ui.Page.Locator("h1").InnerTextAsync());
        Assert.Equal("raw", await ui.Page.TitleAsync());
    }
}
