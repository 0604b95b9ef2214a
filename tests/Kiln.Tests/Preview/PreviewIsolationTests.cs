using System.Net;
using Kiln.Testing;
using Kiln.Tests.WebUi;
using static Microsoft.Playwright.Assertions;

namespace Kiln.Tests.Preview;

/// <summary>
/// One preview cannot read another, reach files outside its app, or be framed by anyone but itself and Kiln's UI.
/// The dev server here answers like Vite does: it echoes any Origin in <c>Access-Control-Allow-Origin</c>, which is
/// how a page on <c>p-A.localhost</c> read <c>p-B.localhost/src/App.tsx</c> (issue 16).
/// </summary>
[Collection(WebUiInChromium.Name)]
[Slow]
public sealed class PreviewIsolationTests(WebUi.Browser browser)
{
    private const string Secret = "export const secret = 'only-for-B';";

    private const string CorsEchoServer = """
        import http from "node:http";
        import fs from "node:fs";
        http.createServer((request, response) => {
          if (request.headers.origin) {
            response.setHeader("access-control-allow-origin", request.headers.origin);
            response.setHeader("access-control-allow-credentials", "true");
            response.setHeader("access-control-allow-methods", "GET, POST");
          }
          const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
          if (request.method === "OPTIONS") { response.statusCode = 204; response.end(); return; }
          if (path === "/") { response.setHeader("content-type", "text/html"); response.end("<!doctype html><h1>B's page</h1>"); return; }
          try {
            response.setHeader("content-type", "text/plain");
            response.end(fs.readFileSync(path.startsWith("/@fs/") ? path.slice(4) : "." + path));
          } catch {
            response.statusCode = 404; response.end("no " + path);
          }
        }).listen(Number(process.env.PORT), process.env.HOST);
        """;

    [Fact]
    public async Task A_preview_cannot_read_another_preview_with_cors_and_still_reads_itself()
    {
        await using var preview = PreviewHarness.Start();
        var a = await preview.CreateProjectAsync();
        await File.WriteAllTextAsync(Path.Join(preview.AppDirectory(a), "index.html"), "<!doctype html><title>A</title><h1>A's page</h1>");
        var b = await CreateCorsEchoProjectAsync(preview);

        await using var ui = await browser.OpenAsync(preview.Kiln.BaseAddress);
        await ui.Page.GotoAsync(preview.UrlFor(a).ToString());
        var fromA = await ui.Page.EvaluateAsync<string[]>(
            """
            async other => {
              const read = async (url, init) => { try { return await (await fetch(url, init)).text(); } catch { return "failed"; } };
              return [await read(other + "src/App.tsx"), await read(other + "src/App.tsx", { credentials: "include" }), await read("/index.html")];
            }
            """, preview.UrlFor(b).ToString());
        Assert.Equal("failed", fromA[0]);
        Assert.Equal("failed", fromA[1]);
        Assert.Contains("A's page", fromA[2], StringComparison.Ordinal);

        // B reads its own source, as Vite's client does.
        await ui.Page.GotoAsync(preview.UrlFor(b).ToString());
        Assert.Equal(Secret, await ui.Page.EvaluateAsync<string>("async () => (await fetch('/src/App.tsx')).text()"));

        // What Chromium saw is what any client gets: the dev server's CORS echo never leaves Kiln.
        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri(preview.UrlFor(b), "src/App.tsx"));
        preflight.Headers.Add("Origin", preview.UrlFor(a).GetLeftPart(UriPartial.Authority));
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        using var answer = await preview.Browser.SendAsync(preflight);
        Assert.DoesNotContain(answer.Headers, header => header.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_preview_refuses_fs_paths_and_links_that_leave_the_app()
    {
        await using var preview = PreviewHarness.Start();
        var b = await CreateCorsEchoProjectAsync(preview);
        var app = preview.AppDirectory(b);
        var outside = Path.Join(preview.Kiln.ProjectsRoot, "outside-secret.txt");
        await File.WriteAllTextAsync(outside, "kiln's own secret");
        File.CreateSymbolicLink(Path.Join(app, "src", "leak.txt"), outside);
        Directory.CreateSymbolicLink(Path.Join(app, "up"), preview.Kiln.ProjectsRoot);

        foreach (var path in new[] { $"/@fs{outside}", $"/@fs{app}/src/App.tsx", $"/%40fs{outside}", $"/@FS{outside}", $"/@fs{outside}?raw??" })
        {
            using var response = await preview.GetAsync(b, path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path} answered {(int)response.StatusCode}: {body}");
            Assert.DoesNotContain("secret", body, StringComparison.Ordinal);
        }

        // Refused as the static file server refuses them (400), before the dev server sees them.
        foreach (var path in new[] { "/src/leak.txt", "/up/outside-secret.txt", "/src%2f..%2f..%2foutside-secret.txt", "/src%5c..%5c..%5coutside-secret.txt" })
        {
            using var response = await preview.GetAsync(b, path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} answered {(int)response.StatusCode}: {body}");
            Assert.DoesNotContain("kiln's own secret", body, StringComparison.Ordinal);
        }

        // Dot segments never get that far: Kestrel removes them, so this names a file inside the app that does not exist.
        using (var dots = await preview.GetAsync(b, "/src/%2e%2e/%2e%2e/%2e%2e/outside-secret.txt"))
        {
            Assert.Equal(HttpStatusCode.NotFound, dots.StatusCode);
            Assert.DoesNotContain("kiln's own secret", await dots.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var own = await preview.GetAsync(b, "/src/App.tsx");
        Assert.Equal(Secret, await own.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_preview_is_framed_by_kilns_ui_and_by_no_other_page()
    {
        await using var preview = PreviewHarness.Start();
        var framed = await preview.CreateProjectAsync();
        await File.WriteAllTextAsync(Path.Join(preview.AppDirectory(framed), "index.html"), "<!doctype html><h1>framed app</h1>");
        var framer = await preview.CreateProjectAsync();
        await File.WriteAllTextAsync(
            Path.Join(preview.AppDirectory(framer), "index.html"),
            $"<!doctype html><h1>framer</h1><iframe name=\"other\" src=\"{preview.UrlFor(framed)}\"></iframe>");

        using (var response = await preview.GetAsync(framed, "/"))
        {
            var policy = string.Join(", ", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains($"frame-ancestors 'self' http://localhost:{preview.Port} http://127.0.0.1:{preview.Port}", policy, StringComparison.Ordinal);
        }

        await using var ui = await browser.OpenAsync(preview.Kiln.BaseAddress);
        // Kiln's own page that frames the preview, at 127.0.0.1 and at localhost.
        foreach (var kiln in new[] { preview.Kiln.BaseAddress, new UriBuilder(preview.Kiln.BaseAddress) { Host = "localhost" }.Uri })
        {
            await ui.Page.GotoAsync(new Uri(kiln, $"/api/projects/{framed}/preview/").ToString());
            await Expect(ui.Page.FrameLocator("iframe").Locator("h1")).ToHaveTextAsync("framed app");
        }

        // Another preview's page frames it and gets nothing.
        await ui.Page.GotoAsync(preview.UrlFor(framer).ToString());
        await Expect(ui.Page.Locator("h1")).ToHaveTextAsync("framer");
        await ui.Page.WaitForTimeoutAsync(1000); // time for the frame to load, had it been allowed
        Assert.Equal(0, await ui.Page.FrameLocator("iframe[name=other]").GetByText("framed app").CountAsync());
    }

    /// <summary>A project whose dev server answers like Vite's: its files by path, /@fs/ by absolute path, and any Origin echoed back.</summary>
    private static async Task<string> CreateCorsEchoProjectAsync(PreviewHarness preview)
    {
        var projectId = await preview.CreateProjectAsync();
        var app = preview.AppDirectory(projectId);
        await File.WriteAllTextAsync(Path.Join(app, "package.json"), """{ "name": "cors-echo", "private": true, "scripts": { "dev": "node server.mjs" } }""");
        await File.WriteAllTextAsync(Path.Join(app, "server.mjs"), CorsEchoServer);
        Directory.CreateDirectory(Path.Join(app, "src"));
        await File.WriteAllTextAsync(Path.Join(app, "src", "App.tsx"), Secret);
        Directory.CreateDirectory(Path.Join(app, "node_modules"));
        await preview.StartDevServerAsync(projectId);
        return projectId;
    }
}
