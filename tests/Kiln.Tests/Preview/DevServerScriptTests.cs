using Kiln.Preview;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Preview;

/// <summary>How a dev script is started: the app's own tool directly when the script is just that, else the package manager.</summary>
public sealed class DevServerScriptTests : IDisposable
{
    private readonly string _app = TempDirectory.Create("kiln-devscript");

    public DevServerScriptTests()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_app, "node_modules", ".bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "vite"), "#!/bin/sh\n");
    }

    public void Dispose() => TempDirectory.Delete(_app);

    [Fact]
    public void A_script_that_is_one_of_the_apps_tools_runs_it_directly_with_kilns_host_and_port()
    {
        var (argv, environment) = DevServerScript.Create("pnpm", "dev", "vite --clearScreen false").CommandFor(5401, _app);

        Assert.Equal([Path.Combine(_app, "node_modules", ".bin", "vite"), "--clearScreen", "false", "--host", "127.0.0.1", "--port", "5401", "--strictPort"], argv);
        Assert.Equal("dev", environment["npm_lifecycle_event"]);
        Assert.Equal("5401", environment["PORT"]);
    }

    [Theory]
    [InlineData("vite && echo started")]
    [InlineData("NODE_ENV=development vite")]
    [InlineData("vite src/*")]
    [InlineData("vite ~/app")]
    [InlineData("./node_modules/.bin/vite")]
    [InlineData("vite # comment")]
    public void Anything_a_shell_would_read_differently_runs_through_the_package_manager(string script)
    {
        var (argv, environment) = DevServerScript.Create("pnpm", "dev", script).CommandFor(5401, _app);

        Assert.Equal(["pnpm", "run", "dev"], argv.Take(3));
        Assert.False(environment.ContainsKey("npm_lifecycle_event"));
    }

    [Fact]
    public void A_tool_the_app_does_not_have_runs_through_the_package_manager_and_npm_gets_its_separator()
    {
        var (argv, _) = DevServerScript.Create("npm", "dev", "next dev").CommandFor(5402, _app);

        Assert.Equal(["npm", "run", "dev", "--", "--hostname", "127.0.0.1", "--port", "5402"], argv);
    }
}
