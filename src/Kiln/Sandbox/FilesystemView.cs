namespace Kiln.Sandbox;

/// <summary>
/// What of the host's filesystem a bubblewrapped command sees: the system directories read-only (the toolchain lives
/// there), its own directories, a private /tmp, /dev and a /proc of its own pid namespace, and nothing else. Kiln's
/// install folder, content root and configuration, the projects root, other projects and home directories are simply
/// not there; the paths in <see cref="Hidden"/> are masked where they would show through a visible directory.
/// </summary>
/// <param name="SystemDirectories">Host directories bound read-only (a symlink such as /bin → usr/bin is made again as a symlink).</param>
/// <param name="Hidden">Host paths masked where a visible directory holds them: secrets under /etc, Kiln's own folders.</param>
internal sealed record FilesystemView(IReadOnlyList<string> SystemDirectories, IReadOnlyList<string> Hidden)
{
    /// <summary>The view for <paramref name="options"/>, with Kiln's own folders (<paramref name="kilnDirectories"/>) hidden too.</summary>
    public static FilesystemView For(SandboxOptions options, IEnumerable<string?> kilnDirectories) =>
        new(
            options.EffectiveSystemDirectories.Select(Normalize).Distinct(StringComparer.Ordinal).ToList(),
            [
                .. options.EffectiveHiddenPaths.Select(Normalize),
                // "/" would be no view at all; the content root is "/" only when Kiln was started from there.
                .. kilnDirectories.OfType<string>().Where(d => d.Length > 0).Select(Normalize).Where(d => d != "/"),
            ]);

    /// <summary>The bwrap arguments that make the system part of the view, before the command's own directories are bound.</summary>
    public IEnumerable<string> SystemArguments()
    {
        foreach (var directory in SystemDirectories)
        {
            var info = new DirectoryInfo(directory);
            if (info.LinkTarget is { } target)
            {
                // Merged /usr: /bin, /lib and /sbin are symlinks into /usr; binding one would make a second copy of the
                // tree at a different path, and absolute links that point through it would still work either way.
                yield return "--symlink";
                yield return target;
                yield return directory;
            }
            else if (info.Exists)
            {
                yield return "--ro-bind";
                yield return directory;
                yield return directory;
            }
        }
    }

    /// <summary>Whether <paramref name="path"/> would show through one of the view's directories, so it needs masking.</summary>
    public bool Shows(string path, IEnumerable<string> ownDirectories) =>
        SystemDirectories.Concat(ownDirectories).Any(visible => ProjectPaths.IsWithin(path, Normalize(visible)));

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
