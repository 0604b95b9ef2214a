using System.Net;
using Kiln.Tests.Preview;

namespace Kiln.Tests.PreviewErrors;

/// <summary>A real react-ts app on Vite's dev server, through Kiln: broken TSX written by the agent's tool is a compile error Kiln collects.</summary>
public sealed class ViteCompileErrorTests(VitePreviewTests.ViteApp vite) : IClassFixture<VitePreviewTests.ViteApp>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Broken_tsx_is_a_preview_error_from_the_dev_server()
    {
        vite.Require();
        var preview = vite.Preview!;
        var projectId = vite.ProjectId!;
        await preview.StartDevServerAsync(projectId);

        // The dev server's pages carry the reporter too, before Vite's own scripts.
        using (var page = await preview.GetAsync(projectId, "/", pageLoad: true))
        {
            var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<head><script src=\"/__kiln/errors.js\"></script>", html, StringComparison.Ordinal);
            Assert.True(html.IndexOf("/__kiln/errors.js", StringComparison.Ordinal) < html.IndexOf("/@vite/client", StringComparison.Ordinal), html);
        }

        var (isError, text) = await preview.CallToolAsync(projectId, "write_file", new Dictionary<string, object?>
        {
            ["path"] = "src/App.tsx",
            ["content"] = "export default function App() {\n  const count = ;\n  return <p>{count}</p>\n}\n",
        });
        Assert.False(isError, text);
        // What the page's HMR client asks for after the change.
        using (var module = await preview.GetAsync(projectId, "/src/App.tsx"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, module.StatusCode);
        }

        var error = await ErrorReports.WaitForOpenAsync(preview.Kiln, projectId,
            e => e.GetProperty("source").GetString() == "dev_server", Timeout, "from the dev server");
        Assert.Equal("src/App.tsx", error.GetProperty("file").GetString());
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.DoesNotContain(preview.AppDirectory(projectId), error.GetProperty("stack").GetString(), StringComparison.Ordinal);
        var stored = await ErrorReports.StoredAsync(preview.Kiln, projectId, "preview_error");
        Assert.Contains(stored, e => e.GetProperty("source").GetString() == "dev_server" && e.GetProperty("file").GetString() == "src/App.tsx");
    }
}
