using Kiln.Sandbox;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Sandbox;

/// <summary>What of an agent CLI's install its sandbox shows, found from where the CLI was resolved.</summary>
public sealed class AgentCliInstallTests
{
    private static readonly FilesystemView View = FilesystemView.For(new SandboxOptions(), []);

    [Fact]
    public void An_npm_installed_cli_outside_the_system_brings_its_package_directory_and_is_started_where_its_link_ends()
    {
        var root = TempDirectory.Create("kiln-cli-install");
        try
        {
            // ~/.npm-global's layout: bin/claude → lib/node_modules/@anthropic-ai/claude-code/bin/claude.exe.
            var package = Directory.CreateDirectory(Path.Combine(root, "lib", "node_modules", "@anthropic-ai", "claude-code")).FullName;
            File.WriteAllText(Path.Combine(package, "package.json"), """{"name":"@anthropic-ai/claude-code","version":"2.1.332"}""");
            var binary = Path.Combine(Directory.CreateDirectory(Path.Combine(package, "bin")).FullName, "claude.exe");
            File.WriteAllText(binary, "");
            var link = Path.Combine(Directory.CreateDirectory(Path.Combine(root, "bin")).FullName, "claude");
            File.CreateSymbolicLink(link, Path.Combine("..", "lib", "node_modules", "@anthropic-ai", "claude-code", "bin", "claude.exe"));

            var install = AgentCliInstall.Find(link, node: null, View);

            Assert.Equal([package], install.Directories);
            Assert.Equal(binary, install.Program);
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }

    [Fact]
    public void A_cli_under_the_system_directories_needs_nothing_more_and_keeps_its_path()
    {
        var install = AgentCliInstall.Find("/usr/bin/env", node: "/usr/bin/env", View);

        Assert.Empty(install.Directories);
        Assert.Equal("/usr/bin/env", install.Program);
    }

    [Fact]
    public void The_agent_cli_view_binds_its_home_writable_and_its_working_directory_empty_and_shares_the_network()
    {
        var arguments = SandboxInvocation.AgentCli(View, userNamespace: true, "/srv/p/a/.claude-session", "/srv/p/a/generated-app", ["/opt/claude"]);

        Assert.Equal("--", arguments[^1]);
        Assert.Contains("--unshare-pid", arguments);
        Assert.DoesNotContain("--unshare-net", arguments);
        Assert.DoesNotContain("--die-with-parent", arguments);
        Assert.Contains("--ro-bind /opt/claude /opt/claude", string.Join(' ', arguments), StringComparison.Ordinal);
        Assert.Contains("--bind /srv/p/a/.claude-session /srv/p/a/.claude-session --dir /srv/p/a/generated-app", string.Join(' ', arguments), StringComparison.Ordinal);
        Assert.DoesNotContain(arguments, a => a == "/srv/p" || a == "/srv/p/a");
    }
}
