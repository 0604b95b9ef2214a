using System.Security.Cryptography;
using Kiln.Sandbox;
using Kiln.Testing;
using Kiln.Tests.Sandbox;
using Kiln.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Tools;

/// <summary>
/// A new app gets the template's installed node_modules with its package files shared, not copied; the sandbox keeps
/// every command of the app from writing those shared files, so no project can change another's dependencies.
/// </summary>
[Slow]
public sealed class InstalledTemplateTests(TemplateCacheFixture cache) : IClassFixture<TemplateCacheFixture>
{
    private async Task<ToolHarness> ScaffoldedAsync(bool offline = true)
    {
        await using (var probe = await ToolHarness.StartAsync())
        {
            // Package files are shared only under bubblewrap, which keeps every command from writing them.
            await probe.Services.RequireBubblewrapAsync();
            Requires.Pnpm();
            await Requires.NpmRegistryAsync();
        }

        var cold = await cache.ReactTsAsync();
        Assert.False(cold.IsError, cold.Text);
        var tools = await ToolHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Kiln:Packages:CacheDirectory"] = cache.CacheDirectory,
            ["Kiln:Packages:Registry"] = offline ? TemplateCacheFixture.NoRegistry : null,
            ["Kiln:Packages:InstallAttempts"] = "1",
        });
        var (isError, text) = await tools.CallAsync("create_vite_app", new { template = "react-ts" });
        Assert.False(isError, text);
        Assert.Contains("Its dependencies are installed already", text, StringComparison.Ordinal);
        return tools;
    }

    /// <summary>The template entry's app directory, where the shared package files live.</summary>
    private static string TemplateApp(ToolHarness tools) =>
        Directory.EnumerateDirectories(tools.Services.GetRequiredService<PackageManager>().TemplatesDirectory, PackageManager.AppName, SearchOption.AllDirectories)
            .Single(directory => File.Exists(Path.Combine(directory, "package.json")) && directory.Contains("react-ts", StringComparison.Ordinal));

    /// <summary>react's index.js in the app: the real file in node_modules/.pnpm behind pnpm's symlink.</summary>
    private static string ReactIndex(ToolHarness tools)
    {
        var link = Path.Combine(tools.AppDirectory, "node_modules", "react");
        var package = Directory.ResolveLinkTarget(link, returnFinalTarget: true) ?? new DirectoryInfo(link);
        return Path.Combine(package.FullName, "index.js");
    }

    private static string Digest(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(directory, file)));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    [Fact]
    public async Task A_new_app_starts_installed_sharing_the_templates_package_files_and_builds()
    {
        await using var tools = await ScaffoldedAsync();
        var template = TemplateApp(tools);
        var react = ReactIndex(tools);

        var shared = Path.Combine(template, Path.GetRelativePath(tools.AppDirectory, react));
        // One inode for the store's file, the template's and this app's: linked all the way, never copied.
        Assert.True(NativeMethods.HardLinkCount(react) >= 3, $"{NativeMethods.HardLinkCount(react)} links");
        Assert.Equal(File.ReadAllText(shared), File.ReadAllText(react));
        // The command shims name this app, not the directory the template was installed in.
        var shim = File.ReadAllText(Path.Combine(tools.AppDirectory, "node_modules", ".bin", "vite"));
        Assert.Contains(tools.AppDirectory + "/node_modules", shim, StringComparison.Ordinal);
        Assert.DoesNotContain(".staging", shim, StringComparison.Ordinal);

        var before = (await tools.EventsAsync()).Count;
        var install = await tools.CallAsync("install_dependencies", new { });
        var build = await tools.CallAsync("build_project", new { });

        Assert.False(install.IsError, install.Text);
        Assert.Contains("already installed", install.Text, StringComparison.Ordinal);
        Assert.False(build.IsError, build.Text);
        Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "dist", "index.html")));
        var commands = (await tools.EventsAsync()).Skip(before).Where(e => e.Type == "command_output")
            .Select(e => e.Data.GetProperty("command").GetString()!).Distinct().ToList();
        Assert.DoesNotContain(commands, command => command.StartsWith("pnpm install", StringComparison.Ordinal));
        tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task No_command_of_the_app_can_write_the_package_files_it_shares()
    {
        await using var tools = await ScaffoldedAsync();
        var template = Path.Combine(TemplateApp(tools), "node_modules", ".pnpm");
        var digest = Digest(template);
        var react = Path.GetRelativePath(tools.AppDirectory, ReactIndex(tools));
        tools.Write("patch.mjs", $"import {{ writeFileSync }} from 'node:fs';\nwriteFileSync('{react}', 'module.exports = \"patched\";');\n");
        tools.Write("package.json", File.ReadAllText(Path.Combine(tools.AppDirectory, "package.json"))
            .Replace("\"scripts\": {", "\"scripts\": {\n    \"patch\": \"node patch.mjs\",", StringComparison.Ordinal));

        var copy = await tools.CallAsync("run_command", new { command = $"cp src/main.tsx {react}" });
        var remove = await tools.CallAsync("run_command", new { command = $"rm -f {react}" });
        var move = await tools.CallAsync("run_command", new { command = $"mv {react} src/stolen.js" });
        var script = await tools.CallAsync("run_command", new { command = "pnpm run patch" });
        var node = await tools.CallAsync("run_command", new { command = "node patch.mjs" });

        // Named on the command line, the shared file is refused by the command policy before a write runs; what the
        // policy lets through (removing a link writes no file) meets the read-only mount.
        foreach (var (isError, text) in new[] { copy, remove, move })
        {
            Assert.True(isError, text);
            Assert.True(
                text.Contains("has more than one hard link", StringComparison.Ordinal) || text.Contains("Read-only file system", StringComparison.Ordinal), text);
        }

        Assert.Contains("Read-only file system", remove.Text, StringComparison.Ordinal);

        // Written by code the policy cannot read, it is stopped by the read-only mount.
        foreach (var (isError, text) in new[] { script, node })
        {
            Assert.True(isError, text);
            Assert.True(text.Contains("EROFS", StringComparison.Ordinal), text);
        }

        Assert.Equal(digest, Digest(template));
        Assert.Equal(File.ReadAllText(Path.Combine(tools.AppDirectory, react)), File.ReadAllText(Path.Combine(template, "..", "..", react)));
        tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Kilns_file_tools_refuse_to_write_a_package_file_and_the_shared_template_stays_as_it_was()
    {
        // The package files change only through an install, for the agent's tools and a person's hand edits alike
        // (FileWriteRules), as for the app's commands (a read-only mount): a patched dependency is not the app's code.
        await using var tools = await ScaffoldedAsync();
        var template = Path.Combine(TemplateApp(tools), "node_modules", ".pnpm");
        var digest = Digest(template);
        var react = Path.GetRelativePath(tools.AppDirectory, ReactIndex(tools)).Replace('\\', '/');
        var original = File.ReadAllText(Path.Combine(tools.AppDirectory, react));

        var write = await tools.CallAsync("write_file", new { path = react, content = "module.exports = 'this app only';\n" });

        Assert.True(write.IsError, write.Text);
        Assert.Contains("node_modules/.pnpm belongs to Kiln and the package manager", write.Text, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(Path.Combine(tools.AppDirectory, react)));
        Assert.Equal(digest, Digest(template));
    }

    [Fact]
    public async Task Adding_a_package_installs_it_and_leaves_the_template_as_it_was()
    {
        await using var tools = await ScaffoldedAsync(offline: false);
        var template = Path.Combine(TemplateApp(tools), "node_modules", ".pnpm");
        var digest = Digest(template);

        var add = await tools.CallAsync("install_dependencies", new { packages = new[] { "clsx@2.1.1" } });
        var again = await tools.CallAsync("install_dependencies", new { });

        Assert.False(add.IsError, add.Text);
        Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "node_modules", "clsx", "package.json")));
        Assert.False(again.IsError, again.Text);
        Assert.DoesNotContain("already installed", again.Text, StringComparison.Ordinal);
        Assert.Equal(digest, Digest(template));
        Assert.False(Directory.Exists(Path.Combine(template, "clsx@2.1.1")));
        tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task A_changed_package_json_is_installed_by_the_package_manager()
    {
        await using var tools = await ScaffoldedAsync();
        var manifest = Path.Combine(tools.AppDirectory, "package.json");
        tools.Write("package.json", File.ReadAllText(manifest).Replace("\"private\": true,", "\"private\": true,\n  \"description\": \"changed\",", StringComparison.Ordinal));

        var install = await tools.CallAsync("install_dependencies", new { });

        Assert.False(install.IsError, install.Text);
        Assert.DoesNotContain("already installed", install.Text, StringComparison.Ordinal);
        Assert.Contains(await tools.EventsAsync(), e => e.Type == "command_output"
            && e.Data.GetProperty("command").GetString()!.StartsWith("pnpm install", StringComparison.Ordinal));
    }
}
