using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Api;

/// <summary>GET /api/projects/{id}/download: the app as a zip, streamed, without what isn't the app's.</summary>
public sealed class DownloadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Download_streams_the_app_as_a_zip_without_node_modules_git_or_kiln_files()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("a todo list for my groceries");
        await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
        var app = Path.Combine(kiln.ProjectsRoot, projectId, "generated-app");
        Write(app, "src/components/List.jsx", "export const List = () => null;\n");
        Write(app, ".gitignore", "node_modules\n");
        Write(app, "node_modules/left-pad/index.js", "module.exports = 1;\n");
        Write(app, ".git/HEAD", "ref: refs/heads/main\n");
        Write(app, ".kiln/state.json", "{}");
        Write(app, "src/.kiln/state.json", "{}");
        var outside = Path.Combine(kiln.ProjectsRoot, "secret.txt");
        await File.WriteAllTextAsync(outside, "not the app's");
        File.CreateSymbolicLink(Path.Combine(app, "secret.txt"), outside);
        // Large and incompressible, so the zip is bigger than any buffer on the way.
        var big = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(app, "assets.bin"), big);

        using var client = kiln.Client();
        using var response = await client.GetAsync($"/api/projects/{projectId}/download", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"kiln-{projectId}.zip", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Null(response.Content.Headers.ContentLength); // streamed, not buffered first
        using var zipBytes = new MemoryStream();
        await (await response.Content.ReadAsStreamAsync()).CopyToAsync(zipBytes);
        zipBytes.Position = 0;
        using var zip = new ZipArchive(zipBytes, ZipArchiveMode.Read);

        var names = zip.Entries.Select(entry => entry.FullName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [".gitignore", "app.js", "assets.bin", "index.html", "src/components/List.jsx", "styles.css"],
            names.Select(name => name[(projectId.Length + 1)..]).ToList());
        Assert.All(names, name => Assert.StartsWith($"{projectId}/", name, StringComparison.Ordinal));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(app, "index.html")), Read(zip, $"{projectId}/index.html"));
        using var bigCopy = new MemoryStream();
        await using (var entry = await zip.GetEntry($"{projectId}/assets.bin")!.OpenAsync())
        {
            await entry.CopyToAsync(bigCopy);
        }

        Assert.Equal(big, bigCopy.ToArray());
        Assert.Empty(kiln.Log.Errors);
    }

    [Fact]
    public async Task Download_of_an_unknown_project_is_a_problem_404()
    {
        await using var kiln = KilnApp.Start();
        using var client = kiln.Client();

        using var response = await client.GetAsync("/api/projects/zzzzzzzzzzzz/download");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Project not found", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Download_needs_the_token_which_a_link_may_carry_as_access_token()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Auth:Token"] = "zip-token" });
        using var authorized = kiln.Client("zip-token");
        using var generated = await authorized.PostAsJsonAsync("/api/generate", new { prompt = "a counter" });
        var projectId = (await generated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projectId").GetString();
        using var anonymous = kiln.Client();

        using var refused = await anonymous.GetAsync($"/api/projects/{projectId}/download");
        using var linked = await anonymous.GetAsync($"/api/projects/{projectId}/download?access_token=zip-token");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
    }

    private static void Write(string root, string path, string content)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    private static string Read(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}
