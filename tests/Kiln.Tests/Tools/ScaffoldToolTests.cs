using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Sandbox;
using Kiln.Tests.Infrastructure;
using Kiln.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Tools;

/// <summary>
/// One template cache for the class: the first test to need it scaffolds react-ts cold (fetching create-vite from
/// the registry) and installs it (filling the shared store); every other test starts from that warm cache.
/// </summary>
public sealed class TemplateCacheFixture : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ColdScaffold? _cold;

    public string CacheDirectory { get; } = TempDirectory.Create("kiln-cache");

    /// <summary>An unreachable registry: commands given it can only succeed from the caches.</summary>
    public const string NoRegistry = "http://127.0.0.1:9/";

    public sealed record ColdScaffold(ToolHarness Tools, bool IsError, string Text, bool InstallError, string InstallText);

    public async Task<ColdScaffold> ReactTsAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_cold is null)
            {
                var tools = await ToolHarness.StartAsync(new Dictionary<string, string?> { ["Kiln:Packages:CacheDirectory"] = CacheDirectory });
                var (isError, text) = await tools.CallAsync("create_vite_app", new { template = "react-ts" });
                var (installError, installText) = isError ? (true, "not run") : await tools.CallAsync("install_dependencies", new { });
                _cold = new ColdScaffold(tools, isError, text, installError, installText);
            }

            return _cold;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_cold is not null)
        {
            await _cold.Tools.DisposeAsync();
        }

        TempDirectory.Delete(CacheDirectory);
        _gate.Dispose();
    }
}

/// <summary>The scaffold tools, and the template cache and shared store that make a second app need no network.</summary>
[Slow]
public sealed class ScaffoldToolTests(TemplateCacheFixture cache) : IClassFixture<TemplateCacheFixture>
{
    private static async Task RequireAsync(ToolHarness tools)
    {
        await tools.Services.RequireBubblewrapAsync();
        Requires.Pnpm();
        await Requires.NpmRegistryAsync();
    }

    /// <summary>A new project that shares the class's cache; <paramref name="offline"/> points it at a registry that does not answer.</summary>
    private Task<ToolHarness> ProjectAsync(bool offline, string? cacheDirectory = null) =>
        ToolHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Kiln:Packages:CacheDirectory"] = cacheDirectory ?? cache.CacheDirectory,
            ["Kiln:Packages:Registry"] = offline ? TemplateCacheFixture.NoRegistry : null,
            ["Kiln:Packages:InstallAttempts"] = "1",
        });

    private async Task<TemplateCacheFixture.ColdScaffold> ColdAsync()
    {
        await using (var probe = await ToolHarness.StartAsync())
        {
            await RequireAsync(probe);
        }

        var cold = await cache.ReactTsAsync();
        Assert.False(cold.IsError, cold.Text);
        Assert.False(cold.InstallError, cold.InstallText);
        return cold;
    }

    [Fact]
    public async Task Create_vite_app_scaffolds_the_template_and_reports_every_file()
    {
        var cold = await ColdAsync();
        var app = cold.Tools.AppDirectory;

        Assert.StartsWith("Created a Vite app from the react-ts template (create-vite ", cold.Text, StringComparison.Ordinal);
        Assert.Contains("scaffolded now", cold.Text, StringComparison.Ordinal);
        Assert.Contains("src/main.tsx", cold.Text, StringComparison.Ordinal);
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(app, "package.json")));
        Assert.True(manifest.RootElement.GetProperty("devDependencies").TryGetProperty("vite", out _));
        Assert.True(File.Exists(Path.Combine(app, "src", "App.tsx")));
        Assert.True(File.Exists(Path.Combine(app, "pnpm-lock.yaml")), "the template keeps its resolved lockfile");
        Assert.True(File.Exists(Path.Combine(app, "node_modules", ".bin", "vite")));

        var events = await cold.Tools.EventsAsync();
        var created = events.Where(e => e.Type == "file_created").Select(e => e.Data.GetProperty("path").GetString()).ToList();
        Assert.Contains("package.json", created);
        Assert.Contains("src/main.tsx", created);
        Assert.Contains(events, e => e.Type == "command_output" && e.Data.GetProperty("command").GetString()!.Contains("create-vite@", StringComparison.Ordinal));
        var executed = events.Where(e => e.Type == "tool_executed").Select(e => e.Data).ToList();
        Assert.Equal(["create_vite_app", "install_dependencies"], executed.Select(e => e.GetProperty("tool").GetString()));
        Assert.All(executed, e => Assert.True(e.GetProperty("ok").GetBoolean()));
        Assert.Equal("template=react-ts", executed[0].GetProperty("input").GetString());
        cold.Tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task A_second_app_is_scaffolded_installed_and_built_with_the_registry_unreachable()
    {
        await ColdAsync();
        await using var tools = await ProjectAsync(offline: true);

        var scaffold = await tools.CallAsync("create_vite_app", new { template = "react-ts" });
        var install = await tools.CallAsync("install_dependencies", new { });
        var build = await tools.CallAsync("build_project", new { });

        Assert.False(scaffold.IsError, scaffold.Text);
        Assert.Contains("copied from Kiln's template cache", scaffold.Text, StringComparison.Ordinal);
        Assert.False(install.IsError, install.Text);
        Assert.False(build.IsError, build.Text);
        Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "dist", "index.html")));
        tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Create_react_app_makes_the_vite_react_app_and_says_why()
    {
        await ColdAsync();
        await using var tools = await ProjectAsync(offline: true);

        var (isError, text) = await tools.CallAsync("create_react_app", new { typescript = true });

        Assert.False(isError, text);
        Assert.StartsWith("Create React App is deprecated", text, StringComparison.Ordinal);
        Assert.Contains("react-ts template", text, StringComparison.Ordinal);
        var manifest = await File.ReadAllTextAsync(Path.Combine(tools.AppDirectory, "package.json"));
        Assert.Contains("\"vite\"", manifest, StringComparison.Ordinal);
        Assert.DoesNotContain("react-scripts", manifest, StringComparison.Ordinal);
        var description = tools.Tools.Single(t => t.Name == "create_react_app").Description;
        Assert.Contains("deprecated", description, StringComparison.Ordinal);
        Assert.Contains("Vite", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scaffolding_over_existing_files_is_refused_and_changes_nothing()
    {
        await ColdAsync();
        await using var tools = await ProjectAsync(offline: true);
        tools.Write("index.html", "<h1>mine</h1>");

        var (isError, text) = await tools.CallAsync("create_vite_app", new { template = "react-ts" });

        Assert.True(isError);
        Assert.Contains("already has index.html", text, StringComparison.Ordinal);
        Assert.Equal(["index.html"], Directory.GetFileSystemEntries(tools.AppDirectory).Select(Path.GetFileName));
        Assert.Equal("<h1>mine</h1>", await File.ReadAllTextAsync(Path.Combine(tools.AppDirectory, "index.html")));
    }

    [Fact]
    public async Task A_scaffold_cut_short_is_finished_by_the_next_one_and_its_app_runs_in_the_preview()
    {
        await ColdAsync();
        await using var tools = await ProjectAsync(offline: true);
        var first = await tools.CallAsync("create_vite_app", new { template = "react-ts" });
        Assert.False(first.IsError, first.Text);
        // Kiln killed mid-scaffold: some of the template's files copied, node_modules not yet there.
        Directory.Delete(Path.Combine(tools.AppDirectory, "node_modules"), recursive: true);
        File.Delete(Path.Combine(tools.AppDirectory, "src", "App.tsx"));
        await tools.NextRunAsync();

        var again = await tools.CallAsync("create_vite_app", new { template = "react-ts" });
        var start = await tools.CallAsync("start_dev_server", new { });

        Assert.False(again.IsError, again.Text);
        Assert.Contains("dependencies are installed already", again.Text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "src", "App.tsx")));
        Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "node_modules", ".bin", "vite")));
        Assert.False(start.IsError, start.Text);
        var (status, page) = await tools.GetPreviewAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Contains("/src/main.tsx", page, StringComparison.Ordinal);
        Assert.DoesNotContain("not installed", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scaffold_cut_short_whose_files_were_changed_since_is_refused()
    {
        await ColdAsync();
        await using var tools = await ProjectAsync(offline: true);
        Assert.False((await tools.CallAsync("create_vite_app", new { template = "react-ts" })).IsError);
        Directory.Delete(Path.Combine(tools.AppDirectory, "node_modules"), recursive: true);
        tools.Write("index.html", "<h1>mine</h1>");
        await tools.NextRunAsync();

        var (isError, text) = await tools.CallAsync("create_vite_app", new { template = "react-ts" });

        Assert.True(isError);
        Assert.Contains("already has index.html", text, StringComparison.Ordinal);
        Assert.Equal("<h1>mine</h1>", await File.ReadAllTextAsync(Path.Combine(tools.AppDirectory, "index.html")));
    }

    [Fact]
    public async Task Start_dev_server_installs_an_app_that_has_no_node_modules_and_its_preview_serves_it()
    {
        await ColdAsync();
        await using var tools = await ProjectAsync(offline: true);
        Assert.False((await tools.CallAsync("create_vite_app", new { template = "react-ts" })).IsError);
        Directory.Delete(Path.Combine(tools.AppDirectory, "node_modules"), recursive: true);

        var (isError, text) = await tools.CallAsync("start_dev_server", new { });

        Assert.False(isError, text);
        Assert.StartsWith("The app's dependencies were not installed, so Kiln installed them first.", text, StringComparison.Ordinal);
        var (status, page) = await tools.GetPreviewAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Contains("/src/main.tsx", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scaffolding_over_an_existing_app_is_refused_before_anything_is_fetched()
    {
        await using var tools = await ProjectAsync(offline: true);
        tools.Write("package.json", "{}");

        var (isError, text) = await tools.CallAsync("create_vite_app", new { template = "vue" });

        Assert.True(isError);
        Assert.Contains("already has package.json", text, StringComparison.Ordinal);
        Assert.DoesNotContain(await tools.EventsAsync(), e => e.Type == "command_output");
        Assert.False(Directory.Exists(Path.Combine(cache.CacheDirectory, "templates", "create-vite@9.3.0", "vue.pnpm")));
    }

    [Fact]
    public async Task A_stale_template_that_cannot_be_refreshed_is_still_used()
    {
        await ColdAsync();
        var copy = TempDirectory.Create("kiln-cache-copy");
        try
        {
            CopyDirectory(Path.Combine(cache.CacheDirectory, "templates"), Path.Combine(copy, "templates"));
            foreach (var stamp in Directory.EnumerateFiles(Path.Combine(copy, "templates"), "template.json", SearchOption.AllDirectories))
            {
                var old = (await File.ReadAllTextAsync(stamp)).Replace("\"createdAt\": \"20", "\"createdAt\": \"19", StringComparison.Ordinal);
                await File.WriteAllTextAsync(stamp, old);
            }

            await using var tools = await ProjectAsync(offline: true, cacheDirectory: copy);
            var (isError, text) = await tools.CallAsync("create_vite_app", new { template = "react-ts" });

            Assert.False(isError, text);
            Assert.Contains("could not scaffold a fresher copy", text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "src", "App.tsx")));
        }
        finally
        {
            TempDirectory.Delete(copy);
        }
    }

    [Fact]
    public async Task A_stale_template_is_replaced_when_its_refresh_succeeds()
    {
        await ColdAsync();
        var copy = TempDirectory.Create("kiln-cache-copy");
        try
        {
            CopyDirectory(Path.Combine(cache.CacheDirectory, "templates"), Path.Combine(copy, "templates"));
            var entry = Path.Combine(copy, "templates", "create-vite@9.3.0", "react-ts.pnpm");
            var stamp = Path.Combine(entry, "template.json");
            await File.WriteAllTextAsync(stamp, (await File.ReadAllTextAsync(stamp)).Replace("\"createdAt\": \"20", "\"createdAt\": \"19", StringComparison.Ordinal));
            // Only the old entry has this file: an app that gets it was copied from the old entry, not the new scaffold.
            await File.WriteAllTextAsync(Path.Combine(entry, "generated-app", "from-the-stale-template.txt"), "old");

            await using var tools = await ProjectAsync(offline: false, cacheDirectory: copy);
            var (isError, text) = await tools.CallAsync("create_vite_app", new { template = "react-ts" });

            Assert.False(isError, text);
            Assert.Contains("scaffolded now", text, StringComparison.Ordinal);
            Assert.DoesNotContain("could not scaffold a fresher copy", text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "src", "App.tsx")));
            Assert.False(File.Exists(Path.Combine(tools.AppDirectory, "from-the-stale-template.txt")));
            Assert.False(File.Exists(Path.Combine(entry, "generated-app", "from-the-stale-template.txt")));
            using var refreshed = JsonDocument.Parse(await File.ReadAllTextAsync(stamp));
            Assert.InRange(refreshed.RootElement.GetProperty("createdAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
            // Moved into place whole: nothing staged is left beside it.
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(copy, "templates", ".staging")));
            tools.AssertOutsideUntouched();
        }
        finally
        {
            TempDirectory.Delete(copy);
        }
    }

    [Fact]
    public async Task With_npm_instead_of_pnpm_create_vite_app_scaffolds_the_app_and_caches_it_for_npm()
    {
        var npmCache = TempDirectory.Create("kiln-npm-cache");
        try
        {
            await using var tools = await ToolHarness.StartAsync(new Dictionary<string, string?>
            {
                ["Kiln:Packages:CacheDirectory"] = npmCache,
                ["Kiln:Packages:PackageManager"] = "npm",
                ["Kiln:Packages:InstallAttempts"] = "1",
            });
            await tools.Services.RequireBubblewrapAsync();
            Requires.Node();
            await Requires.NpmRegistryAsync();

            var (isError, text) = await tools.CallAsync("create_vite_app", new { template = "react-ts" });

            Assert.False(isError, text);
            Assert.StartsWith("Created a Vite app from the react-ts template (create-vite 9.3.0", text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "src", "App.tsx")));
            Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "package-lock.json")), "npm's resolved lockfile comes with the template");
            Assert.False(File.Exists(Path.Combine(tools.AppDirectory, "pnpm-lock.yaml")));
            Assert.True(File.Exists(Path.Combine(npmCache, "templates", "create-vite@9.3.0", "react-ts.npm", "template.json")));
            Assert.False(Directory.Exists(Path.Combine(npmCache, "pnpm-store")));
            var scaffolder = (await tools.EventsAsync()).First(e => e.Type == "command_output").Data.GetProperty("command").GetString();
            Assert.StartsWith("npm exec --yes --package=create-vite@9.3.0 -- create-vite", scaffolder, StringComparison.Ordinal);
            tools.AssertOutsideUntouched();
        }
        finally
        {
            TempDirectory.Delete(npmCache);
        }
    }

    [Fact]
    public async Task Create_next_app_scaffolds_an_app_router_project_with_tailwind()
    {
        await ColdAsync();
        await using var tools = await ProjectAsync(offline: false);

        var (isError, text) = await tools.CallAsync("create_next_app", new { typescript = true, tailwind = true, appRouter = true });

        Assert.False(isError, text);
        Assert.StartsWith("Created a Next.js app (TypeScript, Tailwind CSS, App Router) (create-next-app ", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "app", "page.tsx")));
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(tools.AppDirectory, "package.json")));
        Assert.True(manifest.RootElement.GetProperty("dependencies").TryGetProperty("next", out _));
        Assert.True(manifest.RootElement.GetProperty("devDependencies").TryGetProperty("tailwindcss", out _));
        Assert.Equal("next build", manifest.RootElement.GetProperty("scripts").GetProperty("build").GetString());
        Assert.False(Directory.Exists(Path.Combine(tools.AppDirectory, ".git")), "Kiln owns the app's git history, not the scaffolder");
        tools.AssertOutsideUntouched();
    }

    [Theory]
    [InlineData("angular")]
    [InlineData("nuxt")]
    [InlineData("react-ts; rm -rf /")]
    [InlineData("../react")]
    [InlineData("")]
    public async Task Templates_that_are_not_vites_own_are_refused(string template)
    {
        await using var tools = await ToolHarness.StartAsync();

        var (isError, text) = await tools.CallAsync("create_vite_app", new { template });

        Assert.True(isError);
        Assert.Contains("is not one of Vite's templates", text, StringComparison.Ordinal);
        Assert.Contains("react-ts", text, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(tools.AppDirectory));
        Assert.False(Directory.Exists(Path.Combine(tools.ProjectsRoot, ".cache")));
    }

    [Fact]
    public void The_caches_live_under_the_projects_root_unless_configured()
    {
        var packages = new PackageManager(
            Microsoft.Extensions.Options.Options.Create(new PackagesOptions()),
            Microsoft.Extensions.Options.Options.Create(new Kiln.Sandbox.SandboxOptions()),
            new Kiln.Projects.ProjectWorkspace(Microsoft.Extensions.Options.Options.Create(new Kiln.Projects.ProjectsOptions { ProjectsRoot = "/srv/kiln" })));

        Assert.Equal("/srv/kiln/.cache", packages.CacheRoot);
        Assert.Equal("/srv/kiln/.cache/templates", packages.TemplatesDirectory);
        Assert.Equal("/srv/kiln/.cache/pnpm-store", packages.StoreDirectory);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
