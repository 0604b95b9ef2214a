namespace Kiln.Projects;

/// <summary>
/// What a command or dev server of an app may read but never write: <c>.git</c>, where Kiln keeps the app's
/// history, and the packages' files under <c>node_modules/.pnpm</c>, which may be shared with Kiln's template
/// cache and change only through an install, which runs none of the project's code.
/// </summary>
public static class ProtectedDirectories
{
    public const string ModulesDirectory = "node_modules";

    /// <summary>The package manager's store of package files inside node_modules, read-only to the app's commands.</summary>
    public const string PackageFilesDirectory = ModulesDirectory + "/.pnpm";

    /// <summary>The directories of <paramref name="app"/> to mount read-only; an install may write the packages' files.</summary>
    public static IReadOnlyList<string> Of(string app, bool installs = false) =>
        installs || PackageFilesOf(app) is not { } packageFiles
            ? [Path.Combine(app, ".git")]
            : [Path.Combine(app, ".git"), packageFiles];

    /// <summary>
    /// node_modules/.pnpm, when it is a real directory (a symlink planted in its place is not Kiln's, and mounting
    /// over it would serve nobody).
    /// </summary>
    public static string? PackageFilesOf(string app)
    {
        var directory = new DirectoryInfo(Path.Combine(app, PackageFilesDirectory));
        var modules = new DirectoryInfo(Path.Combine(app, ModulesDirectory));
        return directory.Exists && directory.LinkTarget is null && modules.LinkTarget is null ? directory.FullName : null;
    }
}
