using Kiln.Preview;
using Kiln.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Kiln.Tests.Preview;

/// <summary>Which requests Kiln answers from a Vite app's public/ itself: only those Vite would answer with the file as it is.</summary>
public sealed class VitePublicFilesTests : IDisposable
{
    private readonly string _app = TempDirectory.Create("kiln-public");
    private readonly FakeTimeProvider _time = new();
    private readonly VitePublicFiles _files;

    public VitePublicFilesTests()
    {
        _files = new VitePublicFiles(_time);
        File.WriteAllText(Path.Combine(_app, "package.json"), """{ "scripts": { "dev": "vite" } }""");
        Directory.CreateDirectory(Path.Combine(_app, "public", "img"));
        File.WriteAllText(Path.Combine(_app, "public", "icon.svg"), "<svg/>");
        File.WriteAllText(Path.Combine(_app, "public", "img", "logo.png"), "png");
        File.WriteAllText(Path.Combine(_app, "public", "page.html"), "<p>raw</p>");
        File.WriteAllText(Path.Combine(_app, "vite.config.ts"), "export default defineConfig({ plugins: [react()] })");
    }

    public void Dispose() => TempDirectory.Delete(_app);

    private string? Find(string path, string method = "GET", string query = "")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        return _files.Find("p1", _app, context.Request);
    }

    [Fact]
    public void A_plain_get_or_head_of_a_public_file_is_served_from_disk()
    {
        Assert.Equal(Path.Combine(_app, "public", "icon.svg"), Find("/icon.svg"));
        Assert.Equal(Path.Combine(_app, "public", "img", "logo.png"), Find("/img/logo.png", "HEAD"));
    }

    [Theory]
    [InlineData("/icon.svg", "POST", "")]
    [InlineData("/icon.svg", "GET", "?import")]
    [InlineData("/icon.svg", "GET", "?url")]
    [InlineData("/page.html", "GET", "")]
    [InlineData("/@vite/client", "GET", "")]
    [InlineData("/img/", "GET", "")]
    [InlineData("/missing.svg", "GET", "")]
    [InlineData("/../package.json", "GET", "")]
    [InlineData("/src/main.tsx", "GET", "")]
    public void Anything_vite_would_transform_or_not_find_goes_to_vite(string path, string method, string query) =>
        Assert.Null(Find(path, method, query));

    [Theory]
    [InlineData("export default defineConfig({ base: '/app/' })")]
    [InlineData("export default defineConfig({ publicDir: 'static' })")]
    [InlineData("export default defineConfig({ root: 'web' })")]
    [InlineData("export default defineConfig({ server: { headers: { 'X-A': 'b' } } })")]
    [InlineData("export default defineConfig({ plugins: [{ name: 'mw', configureServer(server) { } }] })")]
    public void A_vite_config_that_changes_how_files_are_served_sends_everything_to_vite(string config)
    {
        Assert.NotNull(Find("/icon.svg"));
        File.WriteAllText(Path.Combine(_app, "vite.config.ts"), config);

        // The answer is reused for a moment (a page load asks once per asset), then read again.
        Assert.NotNull(Find("/icon.svg"));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Null(Find("/icon.svg"));
    }

    [Fact]
    public void An_app_whose_dev_server_is_not_vite_is_left_to_its_dev_server()
    {
        File.WriteAllText(Path.Combine(_app, "package.json"), """{ "scripts": { "dev": "next dev" } }""");

        Assert.Null(Find("/icon.svg"));
    }
}
