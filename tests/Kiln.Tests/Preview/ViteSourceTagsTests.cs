using Kiln.Preview;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Preview;

/// <summary>Which apps' dev servers run with Kiln's source-tagging config, and how it reaches Vite's command line.</summary>
public sealed class ViteSourceTagsTests : IDisposable
{
    private readonly string _app = TempDirectory.Create("kiln-source-tags");

    public void Dispose() => TempDirectory.Delete(_app);

    [Theory]
    [InlineData("vite", "8.4.1", true)]
    [InlineData("vite --clearScreen false", "9.0.0", true)]
    [InlineData("vite", "7.3.0", false)]
    [InlineData("vite --config vite.custom.ts", "8.4.1", false)]
    [InlineData("vite -c other.ts", "8.4.1", false)]
    [InlineData("next dev", "8.4.1", false)]
    [InlineData("node server.mjs", "8.4.1", false)]
    public void Select_mode_is_offered_for_a_vite_8_dev_script_that_names_no_config_of_its_own(string script, string viteVersion, bool expected)
    {
        File.WriteAllText(Path.Combine(_app, "package.json"), $$"""{ "scripts": { "dev": "{{script}}" } }""");
        var vite = Directory.CreateDirectory(Path.Combine(_app, "node_modules", "vite")).FullName;
        File.WriteAllText(Path.Combine(vite, "package.json"), $$"""{ "name": "vite", "version": "{{viteVersion}}" }""");

        Assert.Equal(expected, ViteSourceTags.Supports(_app));
    }

    [Fact]
    public void An_app_without_its_dependencies_or_a_dev_script_has_no_select_mode()
    {
        File.WriteAllText(Path.Combine(_app, "package.json"), """{ "scripts": { "dev": "vite" } }""");
        Assert.False(ViteSourceTags.Supports(_app));
        File.WriteAllText(Path.Combine(_app, "index.html"), "<h1>static</h1>");
        File.Delete(Path.Combine(_app, "package.json"));
        Assert.False(ViteSourceTags.Supports(_app));
    }

    [Fact]
    public void Kilns_config_follows_vites_host_and_port_and_lives_outside_the_app()
    {
        using var tags = new ViteSourceTags();
        var (argv, _) = DevServerScript.Create("pnpm", "dev", "vite").CommandFor(5401, _app, tags.ViteArguments());

        Assert.Equal(["pnpm", "run", "dev", "--host", "127.0.0.1", "--port", "5401", "--strictPort", "--config"], argv.Take(9));
        var config = argv[9];
        Assert.StartsWith(tags.Directory + Path.DirectorySeparatorChar, config, StringComparison.Ordinal);
        Assert.Contains("loadConfigFromFile", File.ReadAllText(config), StringComparison.Ordinal);
        Assert.Equal(["--configLoader", "native"], argv.Skip(10));

        var (next, _) = DevServerScript.Create("pnpm", "dev", "next dev").CommandFor(5401, _app, tags.ViteArguments());
        Assert.DoesNotContain("--config", next);

        var directory = tags.Directory;
        tags.Dispose();
        Assert.False(Directory.Exists(directory));
    }
}
