using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using static Kiln.Tests.Fleet.FleetProbe;

namespace Kiln.Tests.Fleet;

/// <summary>
/// Issue 19's failover with no shared disk: three Kiln processes, each with its own projects root, one Redis, nginx in
/// front. The owner of a ready project is killed with kill -9; a survivor restores the project from its replica onto
/// its own disk and serves it, and the project goes on there.
/// </summary>
[Slow]
public sealed class OwnDiskFailoverTests
{
    private static readonly TimeSpan Timeout = WaitLimit;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Killing_the_owner_moves_a_ready_project_to_a_survivor_that_serves_it_from_its_own_disk_within_10_s()
    {
        var redis = await SharedRedis.GetAsync();
        Requires.Nginx();
        await using var fleet = await KilnFleet.StartAsync(typeof(Program).Assembly.Location, 3, redis.Configuration, new Dictionary<string, string>
        {
            ["Kiln:Auth:Token"] = Token,
            // The offline model's static app: its files are the preview, with no install or dev server to wait for.
            ["Kiln:Agent:Offline:AppStack"] = "static",
        }, cancellationToken: Cancel);
        try
        {
            using var nginx = Client(fleet.Nginx.BaseAddress);
            var projectId = await GenerateAsync(nginx, "a page that moves to another disk");
            await WaitForStatusAsync(nginx, projectId, "ready");
            var versions = await VersionsAsync(nginx, projectId);
            var (owner, ownerIndex) = await OwnerAsync(fleet, projectId);
            var page = await nginx.GetStringAsync($"/api/projects/{projectId}/files/index.html", Cancel);
            var preview = await PreviewAsync(fleet.Instances[ownerIndex].BaseAddress, fleet.Nginx.Port, projectId);
            Assert.Equal((HttpStatusCode.OK, owner), (preview.Status, preview.ServedBy));
            for (var i = 0; i < fleet.Instances.Count; i++)
            {
                // Only the owner's disk holds the project.
                Assert.Equal(i == ownerIndex, Directory.Exists(Path.Combine(KilnFleet.ProjectsRootOf(fleet.ProjectsRoot, i), projectId)));
            }

            await fleet.Instances[ownerIndex].KillAsync();
            var killed = Stopwatch.StartNew();
            var survivor = fleet.Instances[(ownerIndex + 1) % 3];
            (HttpStatusCode Status, string Body, string? ServedBy) moved = default;
            while (killed.Elapsed < TimeSpan.FromSeconds(30))
            {
                moved = await PreviewAsync(survivor.BaseAddress, fleet.Nginx.Port, projectId);
                if (moved.Status == HttpStatusCode.OK)
                {
                    break;
                }

                await Task.Delay(100, Cancel);
            }

            var took = killed.Elapsed;
            Assert.True(moved.Status == HttpStatusCode.OK, $"The preview still answered {(int)moved.Status} {took} after its owner was killed: {moved.Body}");
            Assert.True(took < TimeSpan.FromSeconds(10), $"The project was served again {took} after its owner was killed.");
            Assert.Equal(preview.Body, moved.Body);
            var (adopter, adopterIndex) = await OwnerAsync(fleet, projectId);
            Assert.NotEqual(owner, adopter);
            Assert.Equal(adopter, moved.ServedBy);

            // From the adopter's own disk: the app, and its history, restored there.
            var adopterApp = Path.Combine(KilnFleet.ProjectsRootOf(fleet.ProjectsRoot, adopterIndex), projectId, "generated-app");
            Assert.Equal(page, await File.ReadAllTextAsync(Path.Combine(adopterApp, "index.html"), Cancel));
            Assert.True(File.Exists(Path.Combine(adopterApp, ".git", "HEAD")));
            Assert.Equal(page, await nginx.GetStringAsync($"/api/projects/{projectId}/files/index.html", Cancel));
            Assert.Equal(versions, await VersionsAsync(nginx, projectId));

            // A follow-up there ends ready, as a second version on top of the restored one.
            await GenerateAsync(nginx, "now with a footer", projectId);
            await WaitForStatusAsync(nginx, projectId, "ready", after: versions.Count);
            var after = await VersionsAsync(nginx, projectId);
            Assert.Equal(versions.Count + 1, after.Count);
            Assert.Equal(versions, after.Take(versions.Count));
            Assert.Equal(adopter, (await OwnerAsync(fleet, projectId)).Id);
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{fleet.Output}", exception);
        }
    }

    [Fact]
    public async Task A_vite_app_moved_to_a_survivor_has_its_dependencies_reinstalled_and_its_dev_server_started_there()
    {
        var redis = await SharedRedis.GetAsync();
        Requires.Nginx();
        Requires.Pnpm();
        await using var fleet = await KilnFleet.StartAsync(typeof(Program).Assembly.Location, 3, redis.Configuration, new Dictionary<string, string>
        {
            ["Kiln:Auth:Token"] = Token,
            ["Kiln:Agent:Offline:AppStack"] = "vite",
        }, cancellationToken: Cancel);
        try
        {
            using var nginx = Client(fleet.Nginx.BaseAddress);
            var projectId = await GenerateAsync(nginx, "a counter that moves to another disk");
            await WaitForStatusAsync(nginx, projectId, "ready");
            var (owner, ownerIndex) = await OwnerAsync(fleet, projectId);
            var page = await nginx.GetStringAsync($"/api/projects/{projectId}/files/src/App.tsx", Cancel);

            await fleet.Instances[ownerIndex].KillAsync();
            var killed = Stopwatch.StartNew();
            var survivor = fleet.Instances[(ownerIndex + 1) % 3];
            using var survivorClient = Client(survivor.BaseAddress);
            TimeSpan? filesBack = null;
            (HttpStatusCode Status, string Body, string? ServedBy) preview = (0, "", null);
            while (killed.Elapsed < Timeout)
            {
                if (filesBack is null)
                {
                    using var file = await survivorClient.GetAsync($"/api/projects/{projectId}/files/src/App.tsx", Cancel);
                    filesBack = file.StatusCode == HttpStatusCode.OK ? killed.Elapsed : null;
                }

                // Served by Vite (its client script is in the page) from the new owner's disk.
                preview = await PreviewAsync(survivor.BaseAddress, fleet.Nginx.Port, projectId);
                if (preview.Status == HttpStatusCode.OK && preview.Body.Contains("/@vite/client", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(250, Cancel);
            }

            Assert.True(preview.Status == HttpStatusCode.OK && preview.Body.Contains("/@vite/client", StringComparison.Ordinal),
                $"The preview was not served by the dev server {killed.Elapsed} after its owner was killed: {(int)preview.Status} {preview.Body}");
            Assert.True(filesBack < TimeSpan.FromSeconds(10), $"The app's files were served again {filesBack} after its owner was killed.");
            var (adopter, adopterIndex) = await OwnerAsync(fleet, projectId);
            Assert.NotEqual(owner, adopter);
            Assert.Equal(adopter, preview.ServedBy);
            var adopterApp = Path.Combine(KilnFleet.ProjectsRootOf(fleet.ProjectsRoot, adopterIndex), projectId, "generated-app");
            Assert.Equal(page, await File.ReadAllTextAsync(Path.Combine(adopterApp, "src", "App.tsx"), Cancel));
            Assert.True(Directory.Exists(Path.Combine(adopterApp, "node_modules")));
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.SkipException)
        {
            throw new InvalidOperationException($"{exception.Message}\n\n{fleet.Output}", exception);
        }
    }

    /// <summary>Polls the status until it is <paramref name="wanted"/> with more than <paramref name="after"/> versions made.</summary>
    private static async Task WaitForStatusAsync(HttpClient client, string projectId, string wanted, int after = 0)
    {
        var waited = Stopwatch.StartNew();
        string? last = null;
        while (waited.Elapsed < Timeout)
        {
            var status = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", Cancel);
            last = status.GetProperty("status").GetString();
            if (last == wanted && (await VersionsAsync(client, projectId)).Count > after)
            {
                return;
            }

            Assert.False(last is "failed" or "cancelled" or "interrupted", $"The project ended {last}: {status}");
            await Task.Delay(200, Cancel);
        }

        Assert.Fail($"Project {projectId} was still {last} after {Timeout}.");
    }

    private static async Task<List<string>> VersionsAsync(HttpClient client, string projectId) =>
        [.. (await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", Cancel)).EnumerateArray()
            .Select(v => $"{v.GetProperty("number")} {v.GetProperty("commit")}")];

}
