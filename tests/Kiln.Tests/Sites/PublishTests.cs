using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Kiln.Tests.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Sites;

/// <summary>
/// Publishing, as a person and a browser meet it: POST publish, then the site fetched over real HTTP on its own origin
/// <c>s-{id}.localhost</c>. These use a static app, or a build script that is a small node program; the Vite build is
/// in <see cref="VitePublishTests"/>.
/// </summary>
public sealed class PublishTests
{
    private const string HashedAsset = "assets/index-B7xQ_2kd.js";

    [Fact]
    public async Task A_static_app_is_served_on_its_own_origin_with_spa_fallback_long_cached_assets_and_compression()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        var app = AppDirectory(kiln, projectId);
        Write(app, "index.html", "<!doctype html><title>Groceries</title><script type=module src=/assets/index-B7xQ_2kd.js></script>");
        Write(app, HashedAsset, string.Concat(Enumerable.Repeat("console.log('groceries are good');\n", 200)));
        Write(app, "notes.txt", "plain");
        Write(app, ".env", "SECRET=hunter2");
        Write(app, ".kiln/state.json", "{}");
        Write(app, "node_modules/left-pad/index.js", "module.exports = 1;");
        using var site = new SiteClient(kiln, projectId);

        var published = await site.PublishedAsync();

        Assert.Equal($"http://{site.Host}/", published.GetProperty("url").GetString());
        Assert.Equal(1, published.GetProperty("release").GetInt32());
        Assert.Equal(JsonValueKind.Null, published.GetProperty("version").ValueKind);
        Assert.NotEqual(kiln.BaseAddress.Authority, new Uri(published.GetProperty("url").GetString()!).Authority);

        using (var index = await site.GetAsync("/", page: true))
        {
            Assert.Equal(HttpStatusCode.OK, index.StatusCode);
            Assert.Contains("<title>Groceries</title>", await index.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            Assert.Equal("no-cache", index.Headers.CacheControl?.ToString());
            Assert.Equal("nosniff", Assert.Single(index.Headers.GetValues("X-Content-Type-Options")));
            Assert.StartsWith("text/html", index.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        }

        Assert.Contains("<title>Groceries</title>", await site.TextAsync("/lists/42/edit", page: true), StringComparison.Ordinal);
        Assert.Contains("<title>Groceries</title>", await site.TextAsync("/settings"), StringComparison.Ordinal);
        Assert.Equal("plain", await site.TextAsync("/notes.txt"));

        using (var asset = await site.GetAsync("/" + HashedAsset))
        {
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal("public, max-age=31536000, immutable", asset.Headers.CacheControl?.ToString());
            Assert.Empty(asset.Content.Headers.ContentEncoding);
        }

        foreach (var encoding in new[] { "br", "gzip" })
        {
            using var compressed = await site.GetAsync("/" + HashedAsset, acceptEncoding: encoding);
            Assert.Equal(HttpStatusCode.OK, compressed.StatusCode);
            Assert.Equal(encoding, Assert.Single(compressed.Content.Headers.ContentEncoding));
            Assert.True((await compressed.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length < 2000, "the compressed asset is not smaller");
        }

        // Kiln's own files, dot-files and packages are not part of a static app's release; a missing asset is no page.
        foreach (var path in new[] { "/.env", "/.kiln/state.json", "/node_modules/left-pad/index.js", "/assets/index-missing1.js" })
        {
            using var missing = await site.GetAsync(path);
            Assert.True(missing.StatusCode == HttpStatusCode.NotFound, $"GET {path} answered {(int)missing.StatusCode}");
        }

        var release = Path.Combine(kiln.ProjectsRoot, projectId, "site", "releases", "1", "files");
        Assert.False(File.Exists(Path.Combine(release, ".env")));
        var types = await StoredEventTypesAsync(kiln, projectId);
        Assert.Equal(["publish_started", "published"], types.Where(t => t.StartsWith("publish", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_release_records_the_version_it_was_built_from()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("a list of my favourite books");
        await kiln.WaitForStatusAsync(projectId, TimeSpan.FromMinutes(2), "ready");
        using var site = new SiteClient(kiln, projectId);

        var published = await site.PublishedAsync();
        var releases = await site.ReleasesAsync();

        Assert.Equal(1, published.GetProperty("version").GetInt32());
        var release = Assert.Single(releases.GetProperty("releases").EnumerateArray());
        Assert.Equal(1, release.GetProperty("number").GetInt32());
        Assert.Equal(1, release.GetProperty("version").GetInt32());
        Assert.True(release.GetProperty("active").GetBoolean());
        Assert.Contains("<html", await site.TextAsync("/", page: true), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Activate_rolls_back_and_delete_takes_the_site_down_until_a_release_is_activated_again()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        var app = AppDirectory(kiln, projectId);
        using var site = new SiteClient(kiln, projectId);
        Write(app, "index.html", "<h1>first</h1>");
        await site.PublishedAsync();
        Write(app, "index.html", "<h1>second</h1>");
        var second = await site.PublishedAsync();

        Assert.Equal(2, second.GetProperty("release").GetInt32());
        Assert.Equal("<h1>second</h1>", await site.TextAsync("/"));

        var (activated, rollback) = await site.ActivateAsync(1);
        Assert.Equal(HttpStatusCode.OK, activated);
        Assert.Equal(1, rollback.GetProperty("release").GetInt32());
        Assert.Equal("<h1>first</h1>", await site.TextAsync("/"));
        var releases = await site.ReleasesAsync();
        Assert.Equal(1, releases.GetProperty("active").GetInt32());
        Assert.Equal([true, false], releases.GetProperty("releases").EnumerateArray().Select(r => r.GetProperty("active").GetBoolean()));

        var (missing, problem) = await site.ActivateAsync(7);
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("Release not found", problem.GetProperty("title").GetString());

        Assert.Equal(HttpStatusCode.NoContent, await site.TakeDownAsync());
        using (var down = await site.GetAsync("/", page: true))
        {
            Assert.Equal(HttpStatusCode.NotFound, down.StatusCode);
            Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        }

        var afterDown = await site.ReleasesAsync();
        Assert.Equal(JsonValueKind.Null, afterDown.GetProperty("url").ValueKind);
        Assert.Equal(2, afterDown.GetProperty("releases").GetArrayLength());

        await site.ActivateAsync(2);
        Assert.Equal("<h1>second</h1>", await site.TextAsync("/"));
    }

    [Fact]
    public async Task A_published_site_is_still_served_after_Kiln_restarts()
    {
        string root;
        string projectId;
        await using (var first = KilnApp.Start())
        {
            first.KeepProjectsRoot = true;
            root = first.ProjectsRoot;
            projectId = await first.CreateReadyProjectAsync();
            var app = AppDirectory(first, projectId);
            using var site = new SiteClient(first, projectId);
            Write(app, "index.html", "<h1>one</h1>");
            await site.PublishedAsync();
            Write(app, "index.html", "<h1>two</h1>");
            await site.PublishedAsync();
            await site.ActivateAsync(1);
        }

        await using var second = KilnApp.Start(projectsRoot: root);
        using var again = new SiteClient(second, projectId);

        Assert.Equal("<h1>one</h1>", await again.TextAsync("/"));
        Assert.Equal(1, (await again.ReleasesAsync()).GetProperty("active").GetInt32());
    }

    [Fact]
    public async Task A_failed_build_publishes_nothing_keeps_the_site_and_becomes_an_open_error()
    {
        await using var kiln = KilnApp.Start();
        await kiln.Services.RequireBubblewrapAsync();
        Requires.Node();
        var projectId = await kiln.CreateReadyProjectAsync();
        var app = AppDirectory(kiln, projectId);
        using var site = new SiteClient(kiln, projectId);
        Write(app, "package.json", """{ "name": "app", "private": true, "scripts": { "build": "node build.mjs" } }""");
        Directory.CreateDirectory(Path.Combine(app, "node_modules"));
        Write(app, "build.mjs", """
            import { mkdirSync, writeFileSync } from 'node:fs';
            mkdirSync('dist/assets', { recursive: true });
            writeFileSync('dist/index.html', '<h1>built</h1>');
            writeFileSync('dist/assets/main-Ab12Cd34.js', 'console.log(1)');
            console.log('built dist/');
            """);
        var first = await site.PublishedAsync();
        Assert.Equal(1, first.GetProperty("release").GetInt32());
        Assert.Equal("<h1>built</h1>", await site.TextAsync("/"));
        Assert.False(File.Exists(Path.Combine(kiln.ProjectsRoot, projectId, "site", "releases", "1", "files", "build.mjs")));

        Write(app, "build.mjs", """
            console.log('transforming...');
            console.error('src/App.tsx:3:7: ERROR: Expected ";" but found "oops"');
            process.exit(1);
            """);
        var (status, problem) = await site.PublishAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("Publishing failed", problem.GetProperty("title").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("The build failed (exit code 1", detail, StringComparison.Ordinal);
        Assert.Contains("Expected \";\" but found \"oops\"", detail, StringComparison.Ordinal);
        Assert.Contains("The site is as it was", detail, StringComparison.Ordinal);
        Assert.Equal("<h1>built</h1>", await site.TextAsync("/"));
        var releases = await site.ReleasesAsync();
        Assert.Equal(1, releases.GetProperty("releases").GetArrayLength());
        Assert.Equal(1, releases.GetProperty("active").GetInt32());
        Assert.DoesNotContain(Directory.GetDirectories(Path.Combine(kiln.ProjectsRoot, projectId, "site")), d => Path.GetFileName(d).StartsWith("staging-", StringComparison.Ordinal));

        using var client = kiln.Client();
        var errors = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/errors", TestContext.Current.CancellationToken);
        var error = Assert.Single(errors.GetProperty("errors").EnumerateArray());
        Assert.Equal("build", error.GetProperty("source").GetString());
        Assert.Contains("Expected \";\" but found \"oops\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var types = await StoredEventTypesAsync(kiln, projectId);
        Assert.Equal(["publish_started", "published", "publish_started", "publish_failed"], types.Where(t => t.StartsWith("publish", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_site_origin_answers_no_API_request_and_the_API_does_not_trust_it()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        Write(AppDirectory(kiln, projectId), "index.html", "<h1>site</h1>");
        using var site = new SiteClient(kiln, projectId);
        await site.PublishedAsync();

        // A script on the site posting to its own origin reaches the site, which takes no write, never the API.
        using (var post = await site.GetAsync($"/api/projects/{projectId}/publish", method: HttpMethod.Post))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        }

        using (var delete = await site.GetAsync($"/api/projects/{projectId}", method: HttpMethod.Delete))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.StatusCode);
        }

        Assert.Equal("<h1>site</h1>", await site.TextAsync("/api/projects", page: true));
        Assert.Single((await site.ReleasesAsync()).GetProperty("releases").EnumerateArray());

        // Calling the API's origin from the site's is cross-origin, and the API grants it nothing.
        using var client = kiln.Client();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"/api/projects/{projectId}/publish");
        preflight.Headers.Add("Origin", $"http://{site.Host}");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var answer = await client.SendAsync(preflight, TestContext.Current.CancellationToken);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Nothing_to_publish_and_unknown_sites_are_problems_a_person_can_act_on()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.CreateReadyProjectAsync();
        using var site = new SiteClient(kiln, projectId);

        var (empty, problem) = await site.PublishAsync();
        using var unpublished = await site.GetAsync("/", page: true);
        using var nobody = new SiteClient(kiln, "nosuchproject");
        var (unknown, _) = await nobody.PublishAsync();
        using var nobodysSite = await nobody.GetAsync("/", page: true);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty);
        Assert.Contains("nothing to publish", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unpublished.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal(HttpStatusCode.NotFound, nobodysSite.StatusCode);
        Assert.Equal(["publish_started", "publish_failed"], (await StoredEventTypesAsync(kiln, projectId)).Where(t => t.StartsWith("publish", StringComparison.Ordinal)));

        Write(AppDirectory(kiln, projectId), "package.json", """{ "name": "app", "scripts": { "dev": "vite" } }""");
        var (noScript, noScriptProblem) = await site.PublishAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noScript);
        Assert.Contains("package.json has no \"build\" script, so the app cannot be built", noScriptProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static string AppDirectory(KilnApp kiln, string projectId) =>
        kiln.Services.GetRequiredService<Kiln.Projects.ProjectWorkspace>().AppDirectory(projectId);

    private static void Write(string app, string path, string content)
    {
        var full = Path.Combine(app, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    private static async Task<List<string>> StoredEventTypesAsync(KilnApp kiln, string projectId)
    {
        var store = kiln.Services.GetRequiredService<Kiln.Events.IEventStore>();
        var types = new List<string>();
        await foreach (var stored in store.ReadAsync(projectId, 0, TestContext.Current.CancellationToken))
        {
            types.Add(stored.Type);
        }

        return types;
    }
}
