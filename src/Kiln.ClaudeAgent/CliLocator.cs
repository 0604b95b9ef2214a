namespace Kiln.ClaudeAgent;

/// <summary>Finds the Claude Code CLI: an explicit path, then PATH, then the places its installers use.</summary>
public static class CliLocator
{
    /// <summary>The CLI's executable path.</summary>
    /// <param name="cliPath">An explicit path, which must exist; it wins over everything else.</param>
    /// <param name="path">The directories to search, PATH-style; null uses this process's PATH.</param>
    /// <param name="home">The home directory whose install locations are searched after PATH; null uses this user's.</param>
    /// <exception cref="CliNotFoundException">No executable was found; the message says how to install it.</exception>
    public static string Find(string? cliPath = null, string? path = null, string? home = null)
    {
        if (cliPath is not null)
        {
            return File.Exists(cliPath) ? Path.GetFullPath(cliPath) : throw new CliNotFoundException([cliPath]);
        }

        var names = OperatingSystem.IsWindows() ? new[] { "claude.exe", "claude.cmd", "claude" } : ["claude"];
        var directories = (path ?? System.Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        home ??= System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        // Where npm (default and user prefixes), the native installer, yarn and a local install put it.
        string[] known =
        [
            Path.Combine(home, ".claude", "local"),
            Path.Combine(home, ".local", "bin"),
            Path.Combine(home, ".npm-global", "bin"),
            "/usr/local/bin",
            "/usr/bin",
            "/opt/homebrew/bin",
            Path.Combine(home, "node_modules", ".bin"),
            Path.Combine(home, ".yarn", "bin"),
        ];

        var searched = new List<string>();
        foreach (var directory in directories.Concat(known).Distinct())
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            searched.Add(directory);
        }
        throw new CliNotFoundException(searched);
    }
}
