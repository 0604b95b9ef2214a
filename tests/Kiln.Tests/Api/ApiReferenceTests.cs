using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Api;

public sealed partial class ApiReferenceTests
{
    [Fact]
    public async Task The_openapi_document_and_reference_page_are_served_without_any_cdn()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = "docs-are-public" });
        using var client = kiln.Client();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/generate", "/api/projects", "/api/projects/{projectId}/status", "/api/projects/{projectId}/events" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }

        var page = await client.GetStringAsync("/docs/");
        // Scalar resolves the document's URL against the site's root, where the document is served.
        Assert.Contains("\"url\":\"openapi/v1.json\"", page, StringComparison.Ordinal);
        foreach (Match asset in AssetReference().Matches(page))
        {
            var url = asset.Groups[1].Value;
            Assert.DoesNotContain("://", url, StringComparison.Ordinal);
            using var response = await client.GetAsync(new Uri(new Uri(kiln.BaseAddress, "/docs/"), url));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var health = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [GeneratedRegex("""(?:src|href)="([^"]+)""")]
    private static partial Regex AssetReference();
}
