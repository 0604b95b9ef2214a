namespace Kiln.ClaudeAgent.Tests;

/// <summary>Where the CLI is looked for: the explicit path, then PATH in order, then the installers' locations.</summary>
public sealed class CliLocatorTests : IDisposable
{
    private readonly DirectoryInfo _root = System.IO.Directory.CreateTempSubdirectory("kiln-locator-");

    [Fact]
    public void The_first_directory_on_path_that_holds_the_cli_wins()
    {
        var empty = Directory("empty");
        var first = Executable("first");
        var second = Executable("second");

        var found = CliLocator.Find(path: string.Join(Path.PathSeparator, empty, Path.GetDirectoryName(first), Path.GetDirectoryName(second)), home: Directory("home"));

        Assert.Equal(first, found);
    }

    [Fact]
    public void Without_the_cli_on_path_an_installers_location_in_the_home_is_found()
    {
        var home = Directory("home");
        // Where the native installer's local install puts it.
        var installed = Executable(Path.Combine("home", ".claude", "local"));

        var found = CliLocator.Find(path: Directory("empty"), home: home);

        Assert.Equal(installed, found);
    }

    [Fact]
    public void The_cli_on_path_comes_before_an_installers_location()
    {
        var home = Directory("home");
        Executable(Path.Combine("home", ".claude", "local"));
        var onPath = Executable("bin");

        var found = CliLocator.Find(path: Path.GetDirectoryName(onPath), home: home);

        Assert.Equal(onPath, found);
    }

    [Fact]
    public void An_explicit_path_wins_over_path_and_installers_and_is_never_replaced_by_them()
    {
        var home = Directory("home");
        Executable(Path.Combine("home", ".claude", "local"));
        var onPath = Executable("bin");
        var chosen = Executable("chosen");

        Assert.Equal(chosen, CliLocator.Find(chosen, Path.GetDirectoryName(onPath), home));
        var missing = Path.Combine(_root.FullName, "missing", "claude");
        var error = Assert.Throws<CliNotFoundException>(() => CliLocator.Find(missing, Path.GetDirectoryName(onPath), home));
        Assert.Equal([missing], error.Searched);
    }

    private string Directory(string name) => System.IO.Directory.CreateDirectory(Path.Combine(_root.FullName, name)).FullName;

    private string Executable(string directory)
    {
        var path = Path.Combine(Directory(directory), OperatingSystem.IsWindows() ? "claude.exe" : "claude");
        File.WriteAllText(path, "#!/bin/sh\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    public void Dispose() => _root.Delete(recursive: true);
}
