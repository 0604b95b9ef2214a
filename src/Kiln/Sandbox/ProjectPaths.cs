namespace Kiln.Sandbox;

/// <summary>How a command will use a path argument, which decides the extra checks it gets.</summary>
internal enum PathUse
{
    Read,

    /// <summary>The file's contents may be written in place, so a file shared through a hard link is refused.</summary>
    WriteInPlace,

    /// <summary>The entry may be removed or moved away, so the project root itself is refused.</summary>
    Remove,
}

/// <summary>
/// Confines path arguments to a project's app directory. Paths are resolved the way the kernel
/// will resolve them (every symlink followed, component by component), because a lexical check
/// of "x/../y" is wrong as soon as x is a symlink.
/// </summary>
internal sealed class ProjectPaths
{
    private const int MaxSymlinks = 40;
    private const string VersionDirectory = ".git";

    private ProjectPaths(string root, string workingDirectory)
    {
        Root = root;
        WorkingDirectory = workingDirectory;
    }

    /// <summary>The app directory with every symlink resolved.</summary>
    public string Root { get; }

    /// <summary>The working directory with every symlink resolved; inside <see cref="Root"/>.</summary>
    public string WorkingDirectory { get; }

    /// <summary>Resolves the app and working directories; an error when either is unusable.</summary>
    public static (ProjectPaths? Paths, string? Error) Create(string appDirectory, string workingDirectory)
    {
        if (!Path.IsPathFullyQualified(appDirectory))
        {
            return (null, $"the app directory '{appDirectory}' is not an absolute path.");
        }

        var root = Resolve(Path.GetFullPath(appDirectory));
        if (root is null || !Directory.Exists(root))
        {
            return (null, $"the app directory '{appDirectory}' does not exist.");
        }

        if (root == "/")
        {
            return (null, "the app directory cannot be the filesystem root.");
        }

        var cwd = Resolve(Path.GetFullPath(workingDirectory, root));
        if (cwd is null || !IsWithin(cwd, root))
        {
            return (null, $"the working directory '{workingDirectory}' is outside the project; commands run inside the project directory.");
        }

        if (!Directory.Exists(cwd))
        {
            return (null, $"the working directory '{workingDirectory}' does not exist; create it first.");
        }

        return (new ProjectPaths(root, cwd), null);
    }

    /// <summary>Checks one path argument; returns a sentence for the model when it is refused.</summary>
    public string? Check(string argument, PathUse use)
    {
        if (argument.StartsWith('~'))
        {
            return $"'{argument}': '~' is not expanded and home directories are outside the project; use a path relative to the project root.";
        }

        if (IsPatternReachingOut(argument))
        {
            return $"'{argument}': tools such as prettier and eslint expand patterns themselves, and this one can reach outside the project " +
                   "(through '..', or a brace alternative starting with '/' or '~'); use a pattern relative to the project root.";
        }

        if (HasParentSegment(argument))
        {
            return $"'{argument}': '..' is not allowed in paths; use a path relative to the project root (for example 'src/App.tsx').";
        }

        var lexical = Path.GetFullPath(argument, WorkingDirectory);
        if (!IsWithin(lexical, Root))
        {
            return $"'{argument}' is outside the project directory; commands may only use paths inside the project.";
        }

        var real = Resolve(lexical);
        if (real is null)
        {
            return $"'{argument}' goes through too many symbolic links.";
        }

        if (!IsWithin(real, Root))
        {
            return $"'{argument}' is a symbolic link (or goes through one) to '{real}', outside the project; commands may only use paths inside the project.";
        }

        if (IsWithin(real, Path.Join(Root, VersionDirectory)))
        {
            return $"'{argument}' is inside '.git', the project's version history, which Kiln manages; commands cannot use it directly.";
        }

        if (use == PathUse.Remove && real == Root)
        {
            return $"'{argument}' is the project root, which cannot be removed or moved; name the files inside it instead.";
        }

        if (use == PathUse.WriteInPlace && File.Exists(real) && NativeMethods.HardLinkCount(real) is > 1)
        {
            return $"'{argument}' has more than one hard link, so writing it could change a file outside the project; write a new file instead.";
        }

        return null;
    }

    public static bool IsWithin(string path, string directory) =>
        path == directory ||
        (path.StartsWith(directory, StringComparison.Ordinal) &&
         (directory.EndsWith('/') || path.Length > directory.Length && path[directory.Length] == '/'));

    /// <summary>
    /// A glob or brace pattern that a tool would expand to somewhere outside, which no check of the
    /// literal text can see: '{..,src}/*' or '{/etc,src}/*' contain no '..' segment and are not absolute.
    /// </summary>
    private static bool IsPatternReachingOut(string argument)
    {
        if (argument.AsSpan().IndexOfAny("*?[{") < 0)
        {
            return false;
        }

        if (argument.Contains("..", StringComparison.Ordinal))
        {
            return true;
        }

        for (var i = 0; i + 1 < argument.Length; i++)
        {
            if (argument[i] is '{' or ',' && argument[i + 1] is '/' or '~')
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasParentSegment(string argument)
    {
        foreach (var segment in argument.Split('/'))
        {
            if (segment == "..")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The real path of an absolute path: symlinks in every existing component are followed (like
    /// realpath(3)), and the part that does not exist yet is appended as written. Null on a loop.
    /// </summary>
    public static string? Resolve(string absolutePath)
    {
        var pending = new Stack<string>();
        PushSegments(pending, absolutePath);
        var resolved = new List<string>();
        var links = 0;

        while (pending.TryPop(out var segment))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var candidate = "/" + string.Join('/', resolved.Append(segment));
            var target = LinkTarget(candidate);
            if (target is null)
            {
                resolved.Add(segment);
                continue;
            }

            if (++links > MaxSymlinks)
            {
                return null;
            }

            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            PushSegments(pending, target);
        }

        return "/" + string.Join('/', resolved);
    }

    private static void PushSegments(Stack<string> pending, string path)
    {
        var segments = path.Split('/');
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            pending.Push(segments[i]);
        }
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            // Not a link we can read (a missing parent, a permission problem): treat it as a plain name.
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
