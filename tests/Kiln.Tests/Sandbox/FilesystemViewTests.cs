using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kiln.Sandbox;
using Kiln.Testing;
using Kiln.Tests.Preview;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Sandbox;

/// <summary>
/// What a command in the sandbox can read of the host: code the agent writes and runs tries Kiln's appsettings.json
/// (its install folder and its content root), Kiln's database, another project's files, the person's home directory
/// (~/.claude, ~/.npmrc, ~/.ssh) and the host's processes. The projects root lies outside the system temp directory, so
/// the private /tmp that used to hide other projects does not hide them here: only the view does.
/// </summary>
public sealed partial class FilesystemViewTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string KilnSettings => Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    [Fact]
    [Slow]
    public async Task Code_in_the_sandbox_reads_nothing_of_Kiln_other_projects_or_home_directories()
    {
        Requires.Node();
        var root = Directory.CreateDirectory(Path.Combine("/var/tmp", $"kiln-view-{Guid.NewGuid():N}")).FullName;
        await using var preview = PreviewHarness.Start(projectsRoot: root);
        await preview.Kiln.Services.RequireBubblewrapAsync();
        var contentRoot = preview.Kiln.Services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        var victim = await preview.CreateProjectAsync();
        File.WriteAllText(Path.Combine(preview.AppDirectory(victim), "secret.txt"), "the victim's own words");
        var attacker = await preview.CreateProjectAsync();
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.True(File.Exists(KilnSettings) && File.Exists(Path.Combine(contentRoot, "appsettings.json")), "the probe's targets exist on the host");

        Dictionary<string, string> targets = new()
        {
            ["Kiln's install folder"] = KilnSettings,
            ["Kiln's content root"] = Path.Combine(contentRoot, "appsettings.json"),
            ["Kiln's database"] = Path.Combine(root, "kiln.db"),
            ["another project's file"] = Path.Combine(preview.AppDirectory(victim), "secret.txt"),
            ["the home directory"] = home,
            ["~/.claude"] = Path.Combine(home, ".claude"),
            ["~/.npmrc"] = Path.Combine(home, ".npmrc"),
            ["~/.ssh"] = Path.Combine(home, ".ssh"),
            ["Kiln's process"] = $"/proc/{Environment.ProcessId}/environ",
        };

        var results = await ProbeAsync(preview, attacker, targets);

        Assert.All(results, result => Assert.True(result.Value.StartsWith("failed", StringComparison.Ordinal), $"{result.Key}: {result.Value}"));
        // The projects root itself is only the path down to the command's own project.
        var listing = await ProbeAsync(preview, attacker, new() { ["the projects root"] = root });
        Assert.Equal($"listed {attacker}", listing["the projects root"]);
    }

    [Fact]
    public async Task Kilns_folders_are_masked_even_inside_a_directory_the_view_shows()
    {
        // An install under a system directory (/usr/lib/kiln, /opt/kiln added to the view): the folders above it show,
        // Kiln's own do not.
        var install = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        var contentRoot = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(install)!, $"content-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(contentRoot, "appsettings.json"), """{ "Kiln": { "Auth": { "Token": "do-not-read" } } }""");
        try
        {
            var options = new SandboxOptions { SystemDirectories = [.. SandboxOptions.DefaultSystemDirectories, Path.GetDirectoryName(install)!] };
            await using var runner = new SandboxedProcessRunner(
                Options.Create(options), NullLogger<SandboxedProcessRunner>.Instance, TimeProvider.System,
                new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = contentRoot });
            await runner.RequireBubblewrapAsync();
            using var workspace = new AppWorkspace();

            var parent = await runner.RunAsync(Sandboxes.Spec(workspace, "ls", "-A", Path.GetDirectoryName(install)!), null, Ct);
            var installed = await runner.RunAsync(Sandboxes.Spec(workspace, "ls", "-A", install), null, Ct);
            var settings = await runner.RunAsync(Sandboxes.Spec(workspace, "cat", KilnSettings, Path.Combine(contentRoot, "appsettings.json")), null, Ct);

            Assert.Equal(0, parent.ExitCode);
            Assert.Contains(Path.GetFileName(install), parent.Output, StringComparison.Ordinal);
            Assert.Equal(0, installed.ExitCode);
            Assert.Equal("", installed.Output);
            Assert.NotEqual(0, settings.ExitCode);
            Assert.DoesNotContain("do-not-read", settings.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Logging", settings.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    [Fact]
    public async Task The_root_holds_only_the_system_and_the_commands_own_directories()
    {
        await using var runner = Sandboxes.Runner();
        await runner.RequireBubblewrapAsync();
        using var workspace = new AppWorkspace();

        var root = await runner.RunAsync(Sandboxes.Spec(workspace, "ls", "-A", "/"), null, Ct);
        var planted = await runner.RunAsync(Sandboxes.Spec(workspace, "mkdir", "/planted"), null, Ct);

        Assert.Equal(0, root.ExitCode);
        var top = root.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        // The system, /dev, /proc, /tmp, and the first segment of the project's own path (/tmp here): no /root, /home, /var, /srv, /opt.
        var expected = SandboxOptions.DefaultSystemDirectories.Select(d => d.TrimStart('/')).Where(d => Path.Exists("/" + d)).Concat(["dev", "proc", "tmp"]);
        Assert.Equal(expected.ToHashSet(StringComparer.Ordinal), top);
        Assert.Contains("Read-only file system", planted.Output, StringComparison.Ordinal);
    }

    /// <summary>Writes a probe with write_file and runs it with run_command; for each target, what reading it gave.</summary>
    private static async Task<Dictionary<string, string>> ProbeAsync(PreviewHarness preview, string projectId, Dictionary<string, string> targets)
    {
        var script = ProbeScript.Replace("__TARGETS__", JsonSerializer.Serialize(targets), StringComparison.Ordinal);
        var (writeError, written) = await preview.CallToolAsync(projectId, "write_file", new() { ["path"] = "probe.cjs", ["content"] = script });
        Assert.False(writeError, written);

        var (_, output) = await preview.CallToolAsync(projectId, "run_command", new() { ["command"] = "node probe.cjs", ["timeout_seconds"] = 60 });

        var results = ResultLine().Matches(output)
            .Select(match => JsonDocument.Parse(match.Value).RootElement)
            .ToDictionary(result => result.GetProperty("name").GetString()!, result => result.GetProperty("outcome").GetString()!);
        Assert.True(results.Count == targets.Count, string.Create(CultureInfo.InvariantCulture, $"The probe reported {results.Count} of {targets.Count} targets:\n{output}"));
        return results;
    }

    [GeneratedRegex("""\{"name":[^\n]*\}""")]
    private static partial Regex ResultLine();

    /// <summary>Reads each target (a file's first bytes, a directory's entries) and prints one JSON line per target.</summary>
    private const string ProbeScript = """
        const fs = require("node:fs");
        for (const [name, path] of Object.entries(__TARGETS__)) {
          let outcome;
          try {
            outcome = fs.statSync(path).isDirectory()
              ? "listed " + fs.readdirSync(path).join(",")
              : "read " + fs.readFileSync(path, "utf8").slice(0, 60);
          } catch (error) {
            outcome = "failed: " + error.code;
          }
          console.log(JSON.stringify({ name, outcome }));
        }
        """;
}
