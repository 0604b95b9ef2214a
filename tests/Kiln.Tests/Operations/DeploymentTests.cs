using System.Text.RegularExpressions;
using Kiln.Operations;
using Kiln.Testing;

namespace Kiln.Tests.Operations;

/// <summary>
/// The deployment files in deploy/: the systemd unit as systemd itself reads it, and the numbers the unit and the
/// Dockerfile must agree on with Kiln.
/// </summary>
public sealed class DeploymentTests
{
    private static readonly string Deploy = Path.Combine(RepositoryRoot(), "deploy");

    [Fact]
    public async Task The_systemd_unit_passes_systemd_analyze_verify_without_a_warning()
    {
        var analyze = Requires.SystemdAnalyze();
        // The unit's ExecStart must name an executable dotnet.
        var dotnet = Requires.Program("dotnet", "install the .NET 10 SDK");

        // The unit names /usr/bin/dotnet; verify checks that ExecStart is executable, so point it at this machine's.
        var unit = Path.Combine(Directory.CreateTempSubdirectory("kiln-unit-").FullName, "kiln.service");
        var text = await File.ReadAllTextAsync(Path.Combine(Deploy, "kiln.service"));
        await File.WriteAllTextAsync(unit, text.Replace("ExecStart=/usr/bin/dotnet ", $"ExecStart={dotnet} ", StringComparison.Ordinal));
        try
        {
            var verify = await ExternalProgram.RunAsync(analyze, ["verify", unit], TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            var output = verify.Output + verify.Errors;

            // verify exits 0 on unknown keys and bad values, and only says so: any word from it is a finding.
            Assert.True(verify.ExitCode == 0 && output.Trim().Length == 0, $"systemd-analyze verify: exit {verify.ExitCode}\n{output}");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(unit)!, recursive: true);
        }
    }

    [Fact]
    public async Task Systemd_waits_longer_than_Kiln_drains_and_runs_it_as_a_service_user()
    {
        var unit = await File.ReadAllTextAsync(Path.Combine(Deploy, "kiln.service"));
        var drain = TimeSpan.Parse(Setting(unit, @"Environment=Kiln__ShutdownTimeout=(\S+)"), System.Globalization.CultureInfo.InvariantCulture);
        var stop = TimeSpan.FromSeconds(int.Parse(Setting(unit, @"TimeoutStopSec=(\d+)"), System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(stop > drain + ShutdownOptions.AfterDrain, $"TimeoutStopSec ({stop}) must exceed Kiln:ShutdownTimeout ({drain}) plus the host's {ShutdownOptions.AfterDrain} after it.");
        Assert.Equal("SIGTERM", Setting(unit, @"KillSignal=(\S+)"));
        Assert.Equal("on-failure", Setting(unit, @"Restart=(\S+)"));
        Assert.NotEqual("root", Setting(unit, @"User=(\S+)"));
        // bubblewrap needs these namespaces; a RestrictNamespaces without them would leave commands unisolated.
        Assert.Equal(["ipc", "mnt", "net", "pid", "user", "uts"], Setting(unit, @"RestrictNamespaces=(.+)").Split(' ').Order());
    }

    [Fact]
    public async Task The_image_listens_where_it_exposes_and_checks_health_there_as_a_non_root_user()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Deploy, "Dockerfile"));
        var port = Setting(dockerfile, @"urls=http://0\.0\.0\.0:(\d+)");

        Assert.Equal(port, Setting(dockerfile, @"EXPOSE (\d+)"));
        Assert.Equal($"http://127.0.0.1:{port}/healthz", Setting(dockerfile, @"curl -fsS (\S+)"));
        Assert.Equal("app", Setting(dockerfile, @"USER (\S+)"));
        Assert.Equal("/var/lib/kiln/projects", Setting(dockerfile, @"Kiln__ProjectsRoot=(\S+)"));
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", Setting(dockerfile, @"ARG SDK_IMAGE=(\S+)"));
    }

    private static string Setting(string text, string pattern)
    {
        var match = Regex.Match(text, pattern, RegexOptions.Multiline);
        Assert.True(match.Success, $"No line matches {pattern}");
        return match.Groups[1].Value.Trim();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Kiln.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Kiln.slnx above {AppContext.BaseDirectory}.");
    }
}
