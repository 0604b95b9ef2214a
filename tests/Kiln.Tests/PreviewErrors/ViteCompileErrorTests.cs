using System.Net;
using Kiln.Tests.PreviewErrors;

namespace Kiln.Tests.Preview;

/// <summary>
/// Broken TSX in the real react-ts app of <see cref="VitePreviewTests"/>: a compile error Kiln collects from Vite's
/// output. Part of that class, to share its scaffolded app and its one Kiln: another Kiln running Vite beside it would
/// compete for the same preview ports.
/// </summary>
public sealed partial class VitePreviewTests
{
    [Fact]
    public async Task Broken_tsx_written_by_the_agent_is_a_preview_error_from_the_dev_server()
    {
        vite.Require();
        await Preview.StartDevServerAsync(ProjectId);

        // The dev server's pages carry the reporter too, before Vite's own scripts.
        using (var page = await Preview.GetAsync(ProjectId, "/", pageLoad: true))
        {
            var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<head><script src=\"/__kiln/errors.js\"></script>", html, StringComparison.Ordinal);
            Assert.True(html.IndexOf("/__kiln/errors.js", StringComparison.Ordinal) < html.IndexOf("/@vite/client", StringComparison.Ordinal), html);
        }

        const string Header = "function App() {";
        const string Broken = "function App() {\n  const broken = ;";
        var original = await File.ReadAllTextAsync(Path.Combine(App, "src", "App.tsx"), TestContext.Current.CancellationToken);
        var brokenLine = original[..original.IndexOf(Header, StringComparison.Ordinal)].Count(c => c == '\n') + 2;
        try
        {
            // An edit, as an agent would make it (write_file refuses to shrink a file this much).
            await EditAppAsync(Header, Broken);
            // What the page's HMR client asks for once Vite has seen the change (its watcher takes a moment).
            await WaitForModuleStatusAsync(HttpStatusCode.InternalServerError);

            var error = await ErrorReports.WaitForOpenAsync(Preview.Kiln, ProjectId,
                e => e.GetProperty("source").GetString() == "dev_server", EventTimeout, "from the dev server");
            Assert.Equal("src/App.tsx", error.GetProperty("file").GetString());
            Assert.Equal(brokenLine, error.GetProperty("line").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
            Assert.DoesNotContain(App, error.GetProperty("stack").GetString(), StringComparison.Ordinal);
            var stored = await ErrorReports.StoredAsync(Preview.Kiln, ProjectId, "preview_error");
            Assert.Contains(stored, e => e.GetProperty("source").GetString() == "dev_server" && e.GetProperty("file").GetString() == "src/App.tsx");
        }
        finally
        {
            // The class's other tests edit and build this app.
            if ((await File.ReadAllTextAsync(Path.Combine(App, "src", "App.tsx"), CancellationToken.None)).Contains(Broken, StringComparison.Ordinal))
            {
                await EditAppAsync(Broken, Header);
                await WaitForModuleStatusAsync(HttpStatusCode.OK);
            }
        }

        async Task EditAppAsync(string from, string to)
        {
            var (isError, text) = await Preview.CallToolAsync(ProjectId, "edit_file", new() { ["path"] = "src/App.tsx", ["old_string"] = from, ["new_string"] = to });
            Assert.False(isError, text);
        }

        async Task WaitForModuleStatusAsync(HttpStatusCode expected)
        {
            using var deadline = new CancellationTokenSource(EventTimeout);
            HttpStatusCode status;
            while (true)
            {
                using var module = await Preview.GetAsync(ProjectId, "/src/App.tsx");
                status = module.StatusCode;
                if (status == expected || deadline.IsCancellationRequested)
                {
                    break;
                }

                await Task.Delay(200, CancellationToken.None);
            }

            Assert.Equal(expected, status);
        }
    }
}
