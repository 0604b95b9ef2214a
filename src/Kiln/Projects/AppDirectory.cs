namespace Kiln.Projects;

/// <summary>
/// A project's <c>generated-app/</c> directory and the one rule for paths into it: a tool path is relative,
/// has no <c>..</c>, and no existing part of it is a link that leads outside. Anything else is refused with a
/// sentence the model can act on.
/// </summary>
public sealed class AppDirectory
{
    public AppDirectory(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    public string Root { get; }

    /// <summary>Directories Kiln and package managers own; never listed, counted or served.</summary>
    public static bool IsHiddenName(string name) => name is "node_modules" or ".git" or ".pnpm-store" or ".kiln";

    /// <summary>Resolves a tool path to a full path inside <see cref="Root"/>, or throws <see cref="PathRefusedException"/>.</summary>
    public string Resolve(string? path, bool allowRoot = false)
    {
        var relative = (path ?? "").Trim();
        if (relative is "" or "." or "./")
        {
            return allowRoot ? Root : throw Refuse(path, "a file path inside the app is required, for example \"src/main.js\"");
        }

        if (relative.Any(char.IsControl))
        {
            throw Refuse(path, "it contains control characters");
        }

        if (relative.Length > 1024)
        {
            throw Refuse(path, "it is longer than 1024 characters");
        }

        if (Path.IsPathRooted(relative) || relative.StartsWith('~') || relative.Contains('\\'))
        {
            throw Refuse(path, "paths are relative to the app directory (no leading '/', '~' or backslashes)");
        }

        var segments = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(segment => segment == ".."))
        {
            throw Refuse(path, "'..' is not allowed; every path stays inside the app directory");
        }

        var full = Path.GetFullPath(Path.Combine(Root, relative));
        if (!IsInside(full))
        {
            throw Refuse(path, "it resolves outside the app directory");
        }

        EnsureNoLinkLeavesRoot(full, path);
        return full;
    }

    /// <summary>The path as the model and the API see it: relative, with forward slashes.</summary>
    public string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace('\\', '/');

    public bool IsInside(string fullPath) =>
        fullPath.Equals(Root, StringComparison.Ordinal)
        || fullPath.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    // Each existing component is checked, not just the last: a planted "src -> /etc" makes "src/passwd" escape.
    private void EnsureNoLinkLeavesRoot(string full, string? original)
    {
        var current = Root;
        foreach (var segment in Path.GetRelativePath(Root, full).Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, segment);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (!info.Exists && info.LinkTarget is null)
            {
                return;
            }

            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                if (target is null || !IsInside(Path.GetFullPath(target.FullName)))
                {
                    throw Refuse(original, "it goes through a symbolic link that points outside the app directory");
                }
            }
        }
    }

    private static PathRefusedException Refuse(string? path, string reason) =>
        new($"Refused path '{path}': {reason}.");
}

/// <summary>
/// A path that would leave the app directory, with a sentence saying why. Each edge translates it: the tools into
/// an error result for the model, the API into a 400 ProblemDetails, the preview into a 404.
/// </summary>
public sealed class PathRefusedException(string message) : Exception(message);
