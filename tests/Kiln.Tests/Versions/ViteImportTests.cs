using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Offline;
using Kiln.Tests.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Versions;

/// <summary>
/// A real Vite app (the offline model's, with its git history), zipped as a person would zip a clone and imported:
/// its dependencies are installed and its dev server started by Kiln, its preview serves it, and a follow-up prompt
/// continues it.
/// </summary>
[Slow]
public sealed class ViteImportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_zipped_vite_app_is_imported_installed_and_served_and_a_follow_up_continues_it()
    {
        var cache = TempDirectory.Create("kiln-import-cache");
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
            var (original, _) = await ViteKiln.GenerateAsync(kiln, "Build a todo app for my groceries");
            var workspace = kiln.Services.GetRequiredService<ProjectWorkspace>();
            var zip = ZipFolder(workspace.AppDirectory(original), "groceries-main");

            var (status, body) = await ImportZipTests.ImportAsync(kiln, zip, "groceries-main.zip");

            Assert.Equal(HttpStatusCode.Accepted, status);
            var projectId = body.GetProperty("projectId").GetString()!;
            await kiln.WaitForStatusAsync(projectId, Timeout, "ready");
            var app = workspace.AppDirectory(projectId);
            Assert.True(File.Exists(Path.Combine(app, "src", "App.tsx")), "the top-level folder was not dropped");
            Assert.True(Directory.Exists(Path.Combine(app, "node_modules")), "the dependencies were not installed");

            // Served by the Vite dev server Kiln started, through the preview origin.
            var page = await PreviewAsync(kiln, projectId, "/");
            Assert.Contains("/@vite/client", page, StringComparison.Ordinal);
            var title = System.Text.RegularExpressions.Regex.Match(await File.ReadAllTextAsync(Path.Combine(app, "index.html"), Ct), "<title>[^<]+</title>").Value;
            Assert.Contains(title, page, StringComparison.Ordinal);
            Assert.Contains("createHotContext", await PreviewAsync(kiln, projectId, "/src/App.tsx"), StringComparison.Ordinal);

            using var client = kiln.Client();
            var versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", Ct)).EnumerateArray().ToList();
            Assert.Equal("imported", Assert.Single(versions).GetProperty("outcome").GetString());

            var briefing = kiln.Services.GetRequiredService<Kiln.Agents.AppBriefing>().Describe(projectId);
            Assert.Contains("It is a Vite app (React, TypeScript)", briefing, StringComparison.Ordinal);
            Assert.Contains("dev (`vite`)", briefing, StringComparison.Ordinal);

            // The next prompt continues the imported app: a generation on top of version 1, and the app still runs.
            var (_, events) = await ViteKiln.GenerateAsync(kiln, "make it dark", projectId);
            Assert.Contains(events, e => e.GetProperty("type").GetString() == "generation_completed");
            versions = (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", Ct)).EnumerateArray().ToList();
            Assert.Equal(["imported", "ready"], versions.Select(v => v.GetProperty("outcome").GetString()));
            Assert.Contains("/@vite/client", await PreviewAsync(kiln, projectId, "/"), StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(cache);
        }
    }

    private static async Task<string> PreviewAsync(KilnApp kiln, string projectId, string path)
    {
        using var client = kiln.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = $"p-{projectId}.localhost:{kiln.BaseAddress.Port}";
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {text}");
        return text;
    }

    /// <summary>The folder zipped under one top-level folder, as a person zips a clone: .git included, node_modules not.</summary>
    private static byte[] ZipFolder(string folder, string topLevel)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
                if (!relative.Split('/').Contains("node_modules"))
                {
                    archive.CreateEntryFromFile(file, $"{topLevel}/{relative}");
                }
            }
        }

        return stream.ToArray();
    }
}
