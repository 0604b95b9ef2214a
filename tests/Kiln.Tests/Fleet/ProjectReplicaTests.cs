using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Fleet;
using Kiln.Projects;
using Kiln.Testing;
using Kiln.Tests.Attachments;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Sites;
using Kiln.Versions;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Kiln.Tests.Fleet;

/// <summary>
/// Each instance on its own disk: a project's durable state (versions, files, attachments, site, git settings) replicated to Redis at each version (and release, and git
/// settings change), and restored by an instance whose projects root lacks the project or holds an older copy. Real
/// redis-server, real git, Kiln on real Kestrel; one instance at a time on the same Redis stands for the owner that died and the one that took over.
/// </summary>
public sealed class ProjectReplicaTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_store_keeps_a_replica_whole_and_forgets_it()
    {
        var redis = await SharedRedis.GetAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var keys = new RedisKeys(RedisServer.NewPrefix());
        var store = new ReplicaStore(connection, keys, new RedisFence(new ProjectFence(), keys));
        var projectId = ProjectIds.New();
        Assert.Null(await store.ManifestAsync(projectId, Token));

        var manifest = new ReplicaManifest("stamp-1", "refs/heads/main", new string('a', 40), 3, DateTimeOffset.FromUnixTimeMilliseconds(1_765_000_000_000));
        await store.PutAsync(projectId, new ReplicaSnapshot(manifest, [1, 2, 3], [4, 5]), Token);
        Assert.Equal(manifest, await store.ManifestAsync(projectId, Token));
        var read = await store.GetAsync(projectId, Token);
        Assert.Equal(manifest, read!.Manifest);
        Assert.Equal([1, 2, 3], read.Bundle);
        Assert.Equal([4, 5], read.Files);

        // The next write replaces the whole of it, a project with no version yet included.
        var next = manifest with { Stamp = "stamp-2", HeadRef = null, Head = null, Versions = 0 };
        await store.PutAsync(projectId, new ReplicaSnapshot(next, [], [9]), Token);
        read = await store.GetAsync(projectId, Token);
        Assert.Equal(next, read!.Manifest);
        Assert.Empty(read.Bundle);
        Assert.Equal([9], read.Files);

        await store.DeleteAsync(projectId, Token);
        Assert.Null(await store.GetAsync(projectId, Token));
    }

    [Fact]
    [Slow]
    public async Task A_new_owner_restores_the_project_from_its_replica_and_an_older_copy_is_brought_up_to_date()
    {
        var shared = await SharedStoreAsync();
        string projectId;
        Snapshot before;
        string firstRoot;

        // The first owner: a version, variables and a secret, a published site, a git push recorded.
        await using (var first = KilnApp.Start(shared))
        {
            first.KeepProjectsRoot = true;
            firstRoot = first.ProjectsRoot;
            using var api = first.Client();
            using (var generated = await api.PostAsync("/api/generate", AttachmentTests.Form("a page like this sketch", null, ("sketch.png", AttachmentTests.Png, "image/png")), Token))
            {
                Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
                projectId = (await generated.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("projectId").GetString()!;
            }

            await first.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(60), "ready");
            Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/env", new Dictionary<string, string> { ["GREETING"] = "hello" }, Token)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/projects/{projectId}/secrets/API_KEY", new { value = "s3cret-value" }, Token)).StatusCode);
            using var site = new SiteClient(first, projectId);
            await site.PublishedAsync();
            var push = new GitPushRecord(DateTimeOffset.FromUnixTimeSeconds(1_765_000_000), "https://git.example/app.git", "main", false, null, 0, "refused");
            await first.Services.GetRequiredService<GitSettings>().RecordFailedAsync(projectId, push, Token);
            before = await SnapshotAsync(first, projectId);
            Assert.Single(before.Versions);
        }

        // A new owner whose disk has never seen the project: everything comes back from the replica, identical.
        await using (var second = KilnApp.Start(shared))
        {
            var restored = await SnapshotAsync(second, projectId);
            Assert.Equal(before, restored);
            Assert.True(Directory.Exists(Path.Combine(second.ProjectsRoot, projectId, "generated-app", ".git")));
            Assert.Equal(AttachmentTests.Png, await File.ReadAllBytesAsync(Path.Combine(second.ProjectsRoot, projectId, "attachments", "1", "sketch.png"), Token));
            // The secret was copied sealed and still opens with the fleet's key ring (in Redis).
            var environment = await second.Services.GetRequiredService<ProjectEnvironment>().ForProcessesAsync(projectId, Token);
            Assert.Equal(("hello", "s3cret-value"), (environment.Variables["GREETING"], environment.Variables["API_KEY"]));
            Assert.Equal("refused", (await second.Services.GetRequiredService<GitSettings>().ReadAsync(projectId, Token)).LastPush?.Message);

            // Work goes on there: a follow-up makes the second version.
            await second.GenerateAsync("now with a footer", projectId, Token);
            await second.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(60), "ready");
            before = await SnapshotAsync(second, projectId);
            Assert.Equal(2, before.Versions.Count);
        }

        // The first disk still holds the project at its first version: its stamp is not the replica's, so it is restored.
        await using (var again = KilnApp.Start(shared, projectsRoot: firstRoot))
        {
            Assert.Equal(before, await SnapshotAsync(again, projectId));

            // Deleting the project deletes its replica.
            using var api = again.Client();
            Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/projects/{projectId}", Token)).StatusCode);
            await using var connection = await ConnectionMultiplexer.ConnectAsync(shared["Kiln:Redis:Configuration"]!);
            Assert.False(await connection.GetDatabase().KeyExistsAsync(again.Services.GetRequiredService<ReplicaStore>().Key(projectId)));
        }
    }

    private static async Task<Dictionary<string, string?>> SharedStoreAsync()
    {
        var redis = await SharedRedis.GetAsync();
        return new Dictionary<string, string?>
        {
            ["Kiln:Store"] = "redis",
            ["Kiln:Redis:Configuration"] = redis.Configuration,
            ["Kiln:Redis:KeyPrefix"] = RedisServer.NewPrefix(),
        };
    }

    /// <summary>What a person sees of a project, through the API and its site: versions, files with their contents, env names, the site's page.</summary>
    private sealed record Snapshot(IReadOnlyList<string> Versions, IReadOnlyList<string> Files, string Environment, string Secrets, string Site)
    {
        public bool Equals(Snapshot? other) =>
            other is not null && Versions.SequenceEqual(other.Versions) && Files.SequenceEqual(other.Files)
            && (Environment, Secrets, Site) == (other.Environment, other.Secrets, other.Site);

        public override int GetHashCode() => Site.GetHashCode(StringComparison.Ordinal);

        public override string ToString() =>
            $"versions: {string.Join(" | ", Versions)}\nfiles: {string.Join(" | ", Files)}\nenv: {Environment}\nsecrets: {Secrets}\nsite: {Site}";
    }

    private static async Task<Snapshot> SnapshotAsync(KilnApp kiln, string projectId)
    {
        using var api = kiln.Client();
        var versions = (await api.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/versions", Token)).EnumerateArray()
            .Select(v => $"{v.GetProperty("number")} {v.GetProperty("commit")} {v.GetProperty("prompt")}").ToList();
        var files = new List<string>();
        foreach (var file in (await api.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/files", Token)).EnumerateArray())
        {
            var path = file.GetProperty("path").GetString()!;
            files.Add($"{path}: {await api.GetStringAsync($"/api/projects/{projectId}/files/{path}", Token)}");
        }

        var environment = await api.GetStringAsync($"/api/projects/{projectId}/env", Token);
        var secrets = (await api.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/secrets", Token)).ToString();
        using var site = new SiteClient(kiln, projectId);
        return new Snapshot(versions, files, environment, secrets, await site.TextAsync("/", page: true));
    }
}
