using System.Text.Json;
using Kiln.Testing;
using Kiln.Tests.Sandbox;
using Kiln.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Tools;

/// <summary>install_dependencies against a registry on loopback: the real package manager, no network.</summary>
[Slow]
public sealed class InstallToolTests : IAsyncLifetime
{
    private FakeRegistry _registry = null!;
    private ToolHarness _tools = null!;

    public async ValueTask InitializeAsync()
    {
        _registry = await FakeRegistry.StartAsync();
        _registry.Publish("kiln-left-pad");
        _registry.Publish("kiln-right-pad", "2.1.0");
        _registry.Publish("kiln-noisy", scripts: new Dictionary<string, string> { ["postinstall"] = "node -e \"require('fs').writeFileSync(process.env.INIT_CWD + '/dependency-script-ran', '')\"" });
        _tools = await ToolHarness.StartAsync(Settings());
    }

    public async ValueTask DisposeAsync()
    {
        await _tools.DisposeAsync();
        await _registry.DisposeAsync();
    }

    private Dictionary<string, string?> Settings(string packageManager = "auto") => new()
    {
        ["Kiln:Packages:Registry"] = _registry.Url,
        ["Kiln:Packages:PackageManager"] = packageManager,
        ["Kiln:Packages:InstallRetryDelaySeconds"] = "0.1",
    };

    private async Task RequireAsync()
    {
        await _tools.Services.RequireBubblewrapAsync();
        Requires.Node();
        Requires.Pnpm();
    }

    [Fact]
    public async Task Install_dependencies_installs_package_json_through_the_shared_store()
    {
        await RequireAsync();
        _tools.Write("package.json", """{ "name": "app", "version": "1.0.0", "dependencies": { "kiln-left-pad": "^1.0.0" } }""");

        var (isError, text) = await _tools.CallAsync("install_dependencies", new { });

        Assert.False(isError, text);
        Assert.Contains("with pnpm", text, StringComparison.Ordinal);
        var installed = Path.Combine(_tools.AppDirectory, "node_modules", "kiln-left-pad", "index.js");
        Assert.Equal("module.exports = 'kiln-left-pad';\n", await File.ReadAllTextAsync(installed));
        Assert.True(File.Exists(Path.Combine(_tools.AppDirectory, "pnpm-lock.yaml")));
        var store = _tools.Services.GetRequiredService<PackageManager>().StoreDirectory;
        Assert.StartsWith(Path.Combine(_tools.ProjectsRoot, ".cache"), store, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories));
        // Copied out of the store, never sharing an inode with it (see PackageManager's remarks).
        Assert.Equal(1u, Kiln.Sandbox.NativeMethods.HardLinkCount(Path.GetFullPath(ResolveLinks(installed))));
        var events = await _tools.EventsAsync();
        Assert.Contains(events, e => e.Type == "command_output" && e.Data.GetProperty("command").GetString()!.StartsWith("pnpm install", StringComparison.Ordinal));
        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Named_packages_are_added_to_package_json_as_dev_dependencies_when_asked()
    {
        await RequireAsync();
        _tools.Write("package.json", """{ "name": "app", "version": "1.0.0" }""");

        var (isError, text) = await _tools.CallAsync("install_dependencies", new { packages = new[] { "kiln-left-pad@1", "kiln-right-pad" }, dev = true });

        Assert.False(isError, text);
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_tools.AppDirectory, "package.json")));
        var dev = manifest.RootElement.GetProperty("devDependencies");
        Assert.True(dev.TryGetProperty("kiln-left-pad", out _));
        Assert.Equal("^2.1.0", dev.GetProperty("kiln-right-pad").GetString());
        Assert.True(File.Exists(Path.Combine(_tools.AppDirectory, "node_modules", "kiln-right-pad", "index.js")));
    }

    [Fact]
    public async Task A_transient_registry_failure_is_retried()
    {
        await RequireAsync();
        _tools.Write("package.json", """{ "name": "app", "version": "1.0.0", "dependencies": { "kiln-left-pad": "1.0.0" } }""");
        _registry.FailNext(1, 503);

        var (isError, text) = await _tools.CallAsync("install_dependencies", new { });

        Assert.False(isError, text);
        Assert.Contains("after 2 attempts", text, StringComparison.Ordinal);
        Assert.StartsWith("503 ", _registry.Requests[0], StringComparison.Ordinal);
        var events = await _tools.EventsAsync();
        Assert.Contains(events, e => e.Type == "command_output" && e.Data.GetProperty("text").GetString()!.Contains("retrying", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_registry_that_keeps_failing_is_reported_after_every_attempt()
    {
        await RequireAsync();
        _tools.Write("package.json", """{ "name": "app", "version": "1.0.0", "dependencies": { "kiln-left-pad": "1.0.0" } }""");
        _registry.FailNext(100, 502);

        var (isError, text) = await _tools.CallAsync("install_dependencies", new { });

        Assert.True(isError, text);
        Assert.Contains("failed after 3 attempts", text, StringComparison.Ordinal);
        Assert.Contains("502", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_scripts_of_the_project_and_its_dependencies_do_not_run()
    {
        await RequireAsync();
        _tools.Write("package.json", """
            { "name": "app", "version": "1.0.0", "dependencies": { "kiln-noisy": "1.0.0" },
              "scripts": { "preinstall": "node mark.js", "postinstall": "node mark.js" } }
            """);
        _tools.Write("mark.js", "require('fs').writeFileSync('project-script-ran', '');\n");
        _tools.Write(".pnpmfile.cjs", "require('fs').writeFileSync(__dirname + '/pnpmfile-ran', ''); module.exports = { hooks: {} };\n");

        var (isError, text) = await _tools.CallAsync("install_dependencies", new { });

        Assert.False(isError, text);
        Assert.True(Directory.Exists(Path.Combine(_tools.AppDirectory, "node_modules", "kiln-noisy")));
        Assert.False(File.Exists(Path.Combine(_tools.AppDirectory, "project-script-ran")));
        Assert.False(File.Exists(Path.Combine(_tools.AppDirectory, "dependency-script-ran")));
        Assert.False(File.Exists(Path.Combine(_tools.AppDirectory, "pnpmfile-ran")));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("/etc/passwd")]
    [InlineData("file:../outside")]
    [InlineData("link:/etc")]
    [InlineData("git+https://example.com/evil.git")]
    [InlineData("https://example.com/evil.tgz")]
    [InlineData("github:evil/evil")]
    [InlineData("evil@npm:kiln-left-pad")]
    [InlineData("-g")]
    [InlineData("--global")]
    [InlineData("kiln-left-pad; rm -rf /")]
    [InlineData("")]
    public async Task Package_specs_that_are_not_registry_names_are_refused(string spec)
    {
        _tools.Write("package.json", """{ "name": "app", "version": "1.0.0" }""");

        var (isError, text) = await _tools.CallAsync("install_dependencies", new { packages = new[] { spec } });

        Assert.True(isError, text);
        Assert.Contains("is not a package from the registry", text, StringComparison.Ordinal);
        Assert.Empty(_registry.Requests);
        Assert.False(Directory.Exists(Path.Combine(_tools.AppDirectory, "node_modules")));
        _tools.AssertOutsideUntouched();
    }

    [Fact]
    public async Task Without_package_json_install_says_what_to_do()
    {
        var (isError, text) = await _tools.CallAsync("install_dependencies", new { });

        Assert.True(isError);
        Assert.Contains("no package.json", text, StringComparison.Ordinal);
        Assert.Contains("create_vite_app", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_commands_in_run_command_are_sent_to_install_dependencies()
    {
        foreach (var command in new[] { "pnpm add kiln-left-pad", "npm install", "pnpm i", "npm uninstall kiln-left-pad", "pnpm update" })
        {
            var (isError, text) = await _tools.CallAsync("run_command", new { command });
            Assert.True(isError, command);
            Assert.Contains("call install_dependencies instead", text, StringComparison.Ordinal);
        }

        Assert.Empty(_registry.Requests);
    }

    [Fact]
    public async Task Without_pnpm_npm_installs_with_the_shared_npm_cache()
    {
        await using var tools = await ToolHarness.StartAsync(Settings("npm"));
        await tools.Services.RequireBubblewrapAsync();
        Requires.Node();
        tools.Write("package.json", """{ "name": "app", "version": "1.0.0", "dependencies": { "kiln-left-pad": "^1.0.0" } }""");

        var (isError, text) = await tools.CallAsync("install_dependencies", new { });

        Assert.False(isError, text);
        Assert.Contains("with npm", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "node_modules", "kiln-left-pad", "index.js")));
        Assert.True(File.Exists(Path.Combine(tools.AppDirectory, "package-lock.json")));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(tools.ProjectsRoot, ".cache", "npm-cache"), "*", SearchOption.AllDirectories));
        tools.AssertOutsideUntouched();
    }

    private static string ResolveLinks(string path)
    {
        var info = new FileInfo(path);
        return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? ResolveDirectoryLinks(path);
    }

    // pnpm's node_modules/<name> is a symlink into node_modules/.pnpm; the file itself is a regular file there.
    private static string ResolveDirectoryLinks(string path)
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(path)!);
        var target = directory.ResolveLinkTarget(returnFinalTarget: true);
        return target is null ? path : Path.Combine(target.FullName, Path.GetFileName(path));
    }
}
