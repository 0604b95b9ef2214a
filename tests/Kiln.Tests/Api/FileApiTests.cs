using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Api;

/// <summary>GET /api/projects/{id}/files and /files/{path}: the app's own files, as a code view and a curl user read them.</summary>
public sealed class FileApiTests
{
    [Fact]
    public async Task The_file_list_leaves_out_node_modules_and_git_and_gives_each_files_size_and_time()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        Write(app, "index.html", "<h1>Hi</h1>\n");
        Write(app, "src/main.js", "console.log(1);\n");
        Write(app, "node_modules/left-pad/index.js", "module.exports = 1;\n");
        Write(app, "node_modules/.bin/vite", "#!/bin/sh\n");
        Write(app, "src/node_modules/nested/index.js", "module.exports = 2;\n");
        Write(app, ".git/HEAD", "ref: refs/heads/main\n");
        Write(app, ".git/objects/ab/cdef", "x");
        var written = new DateTime(2024, 5, 17, 9, 30, 15, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(app, "index.html"), written);

        using var client = kiln.Client();
        var files = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/files");

        var entries = files.EnumerateArray().ToDictionary(file => file.GetProperty("path").GetString()!);
        Assert.Equal(["index.html", "src/main.js"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new FileInfo(Path.Combine(app, "src/main.js")).Length, entries["src/main.js"].GetProperty("size").GetInt64());
        Assert.Equal(new DateTimeOffset(written), entries["index.html"].GetProperty("modified").GetDateTimeOffset());
        Assert.Equal(
            new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(app, "src/main.js"))),
            entries["src/main.js"].GetProperty("modified").GetDateTimeOffset());

        // Nor are they served one by one.
        foreach (var hidden in new[] { "node_modules/left-pad/index.js", ".git/HEAD" })
        {
            using var response = await client.GetAsync($"/api/projects/{projectId}/files/{hidden}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Theory]
    [InlineData("index.html", "<!doctype html><h1>Hi</h1>\n", "text/html")]
    [InlineData("styles.css", "h1 { color: teal; }\n", "text/css")]
    [InlineData("src/app.js", "export const answer = 42;\n", "text/javascript")]
    [InlineData("logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n", "image/svg+xml")]
    [InlineData("data/todos.json", "[{\"title\":\"milk\"}]\n", "application/json")]
    public async Task A_file_is_served_raw_with_its_content_type(string path, string content, string mediaType)
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        Write(app, path, content);
        var written = new DateTime(2024, 5, 17, 9, 30, 15, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(app, path), written);

        using var client = kiln.Client();
        using var response = await client.GetAsync($"/api/projects/{projectId}/files/{path}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(content, await response.Content.ReadAsStringAsync());
        Assert.Equal(new DateTimeOffset(written), response.Content.Headers.LastModified);
    }

    [Fact]
    public async Task A_file_written_again_within_the_same_second_is_never_answered_from_a_stale_copy()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        var file = Path.Combine(app, "index.html");
        var second = new DateTime(2024, 5, 17, 9, 30, 15, DateTimeKind.Utc);
        Write(app, "index.html", "<h1>First draft</h1>\n");
        File.SetLastWriteTimeUtc(file, second.AddMilliseconds(100));
        using var client = kiln.Client();
        using var first = await client.GetAsync($"/api/projects/{projectId}/files/index.html");
        Assert.Equal("no-cache", first.Headers.CacheControl?.ToString());
        var tag = first.Headers.ETag!;

        // The same length, the same whole second: only the ETag tells the two apart.
        Write(app, "index.html", "<h1>Other draft</h1>\n");
        File.SetLastWriteTimeUtc(file, second.AddMilliseconds(700));
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/files/index.html");
        revalidate.Headers.IfNoneMatch.Add(tag);
        revalidate.Headers.IfModifiedSince = first.Content.Headers.LastModified;
        using var again = await client.SendAsync(revalidate);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("<h1>Other draft</h1>\n", await again.Content.ReadAsStringAsync());
        Assert.NotEqual(tag, again.Headers.ETag);

        // Unchanged, it is a cheap 304.
        using var unchanged = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/files/index.html");
        unchanged.Headers.IfNoneMatch.Add(again.Headers.ETag!);
        using var notModified = await client.SendAsync(unchanged);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    private static void Write(string root, string path, string content)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }
}
