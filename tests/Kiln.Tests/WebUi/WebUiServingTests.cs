using System.Net;
using System.Text.RegularExpressions;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.WebUi;

/// <summary>Kiln serves its own page and every file the page uses; nothing comes from elsewhere.</summary>
public sealed partial class WebUiServingTests
{
    [Fact]
    public async Task The_page_and_its_assets_are_served_without_a_token_while_the_api_still_needs_one()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = "ui-token" });
        using var client = kiln.Client();

        foreach (var route in new[] { "/", "/projects/abcdefghijkl" })
        {
            using var page = await client.GetAsync(route);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Contains("<title>Kiln</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var api = await client.GetAsync("/api/projects");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var unknownApi = await kiln.Client("ui-token").GetAsync("/api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, unknownApi.StatusCode);
        Assert.NotEqual("text/html", unknownApi.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Every_file_the_page_references_is_served_by_kiln()
    {
        await using var kiln = KilnApp.Start();
        using var client = kiln.Client();
        var pending = new Queue<string>(["/"]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var path))
        {
            if (!seen.Add(path))
            {
                continue;
            }

            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
            // A hashed bundle never changes, so a browser keeps it; anything else is revalidated each time.
            Assert.Equal(
                BuiltAsset().IsMatch(path) ? "public, max-age=31536000, immutable" : "no-cache",
                response.Headers.CacheControl?.ToString());
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotMatch(ExternalAsset(), text);
            var directory = path[..(path.LastIndexOf('/') + 1)];
            foreach (Match reference in LocalReference().Matches(text))
            {
                var target = reference.Groups["url"].Value;
                if (target.StartsWith("/api/", StringComparison.Ordinal) || target == "/docs" || target == "/")
                {
                    continue;
                }

                pending.Enqueue(target.StartsWith('/') ? target : new Uri(new Uri(kiln.BaseAddress, directory), target).AbsolutePath);
            }
        }

        // The UI's build (src/Kiln/web, Vite) bundles the page into content-hashed files under /assets/.
        Assert.Contains(seen, path => BuiltAsset().IsMatch(path) && path.EndsWith(".js", StringComparison.Ordinal));
        Assert.Contains(seen, path => BuiltAsset().IsMatch(path) && path.EndsWith(".css", StringComparison.Ordinal));
        Assert.Contains("/favicon.svg", seen);
    }

    [GeneratedRegex("""^/assets/[\w.-]+-[\w-]{8}\.(?:js|css)$""")]
    private static partial Regex BuiltAsset();

    // src/href attributes and ES module imports.
    [GeneratedRegex("""(?:(?:src|href)="|from ")(?<url>(?:/|\./)[^"#?]*)""")]
    private static partial Regex LocalReference();

    // A script, style or font from another origin (links in text, like the API reference, are not assets).
    [GeneratedRegex("""(?:<script[^>]+src|<link[^>]+href|@import|url\()\s*=?\s*["']?(?:https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalAsset();
}
