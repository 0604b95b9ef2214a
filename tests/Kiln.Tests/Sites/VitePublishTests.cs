using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Offline;
using Kiln.Tests.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Sites;

/// <summary>A Vite app the offline model generated, published with a real <c>pnpm run build</c> (vite build) and served from its release.</summary>
[Slow]
public sealed partial class VitePublishTests
{
    [Fact]
    public async Task A_Vite_app_is_built_and_served_from_its_release_and_a_syntax_error_publishes_nothing()
    {
        var cache = TempDirectory.Create("kiln-publish-cache");
        try
        {
            await using var kiln = KilnApp.Start(new Dictionary<string, string?>
            {
                ["Kiln:Agent:Offline:AppStack"] = "vite",
                ["Kiln:Packages:CacheDirectory"] = cache,
            });
            await kiln.Services.RequireBubblewrapAsync();
            Requires.Pnpm();
            await Requires.NpmRegistryAsync();
            var (projectId, _) = await ViteKiln.GenerateAsync(kiln, "Build a todo app for my groceries");
            var app = kiln.Services.GetRequiredService<Kiln.Projects.ProjectWorkspace>().AppDirectory(projectId);
            Assert.True(File.Exists(Path.Combine(app, "package.json")), "the offline model made no Vite app");
            using var site = new SiteClient(kiln, projectId);

            var published = await site.PublishedAsync();

            Assert.Equal(1, published.GetProperty("release").GetInt32());
            Assert.Equal(1, published.GetProperty("version").GetInt32());
            var index = await site.TextAsync("/", page: true);
            Assert.DoesNotContain("/@vite/client", index, StringComparison.Ordinal); // built, not a dev server's page
            var script = ModuleScript().Match(index);
            Assert.True(script.Success, $"The built index.html loads no hashed script: {index}");
            Assert.Equal(index, await site.TextAsync("/lists/groceries", page: true));
            using (var asset = await site.GetAsync(script.Groups["path"].Value, acceptEncoding: "br"))
            {
                Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
                Assert.Equal("public, max-age=31536000, immutable", asset.Headers.CacheControl?.ToString());
                Assert.Equal("br", Assert.Single(asset.Content.Headers.ContentEncoding));
                Assert.Contains("javascript", asset.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            }

            File.WriteAllText(Path.Combine(app, "src", "App.tsx"), "export default function App() {\n  return <main>broken</main>;;; }}} const = ;\n");
            var (status, problem) = await site.PublishAsync();

            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            Assert.Contains("App.tsx", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(index, await site.TextAsync("/", page: true));
            using (var stillThere = await site.GetAsync(script.Groups["path"].Value))
            {
                Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
            }

            Assert.Single((await site.ReleasesAsync()).GetProperty("releases").EnumerateArray());
            using var client = kiln.Client();
            var errors = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/errors", TestContext.Current.CancellationToken);
            Assert.Contains(errors.GetProperty("errors").EnumerateArray(), error => error.GetProperty("source").GetString() == "build");
        }
        finally
        {
            TempDirectory.Delete(cache);
        }
    }

    [GeneratedRegex("""<script type="module" crossorigin src="(?<path>/assets/index-[A-Za-z0-9_-]{8,}\.js)">""")]
    private static partial Regex ModuleScript();
}
