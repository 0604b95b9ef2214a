using System.Collections.Frozen;

namespace Kiln.Sandbox;

/// <summary>
/// The file tools (ls, cat, find, grep, cp, mv, rm, mkdir, touch, head, tail, …) and any other allowed
/// program: every path they read or write stays inside the project, each checked for the use the tool
/// makes of it, and options that follow symbolic links, run programs or never end are refused.
/// </summary>
internal static class FileToolRules
{
    private const string NoDereference = "following symbolic links can copy files from outside the project; drop the option.";

    private static readonly ArgumentShape Find = new()
    {
        ValueOptions = ArgumentShape.Set("-D", "-O"),
        Refused = ArgumentShape.Refusals(
            ("-L", "find -L follows symbolic links, which can lead outside the project; drop -L."),
            ("-H", "find -H follows symbolic links, which can lead outside the project; drop -H."),
            ("-follow", "find -follow follows symbolic links, which can lead outside the project; drop it."),
            ("-exec", "find -exec runs other programs; list the files with find, then run each command separately."),
            ("-execdir", "find -execdir runs other programs; list the files with find, then run each command separately."),
            ("-ok", "find -ok runs other programs; list the files with find, then run each command separately."),
            ("-okdir", "find -okdir runs other programs; list the files with find, then run each command separately."),
            ("-delete", "find -delete is not allowed; list the files with find, then remove them with rm by name."),
            ("-fprint", "find -fprint writes files; let find print to its output instead."),
            ("-fprint0", "find -fprint0 writes files; let find print to its output instead."),
            ("-fprintf", "find -fprintf writes files; let find print to its output instead."),
            ("-fls", "find -fls writes files; let find print to its output instead.")),
    };

    private static readonly FrozenSet<string> FindPathTests = ArgumentShape.Set(
        "-newer", "-anewer", "-cnewer", "-samefile", "-files0-from");

    private static readonly ArgumentShape Grep = new()
    {
        ValueOptions = ArgumentShape.Set(
            "-e", "--regexp", "-m", "--max-count", "-A", "--after-context", "-B", "--before-context", "-C", "--context",
            "-d", "--directories", "-D", "--devices", "--include", "--exclude", "--exclude-dir", "--label", "--binary-files"),
        PathOptions = ArgumentShape.WithCommonPaths("-f", "--file", "--exclude-from"),
        Refused = ArgumentShape.Refusals(
            ("-R", "grep -R follows symbolic links, which can lead outside the project; use grep -r."),
            ("--dereference-recursive", "grep --dereference-recursive follows symbolic links, which can lead outside the project; use grep -r.")),
    };

    private static readonly ArgumentShape HeadTail = new()
    {
        ValueOptions = ArgumentShape.Set("-n", "--lines", "-c", "--bytes"),
        Refused = ArgumentShape.Refusals(
            ("-f", "tail -f never ends; read the file once, for example 'tail -n 50 file'."),
            ("-F", "tail -F never ends; read the file once, for example 'tail -n 50 file'."),
            ("--follow", "tail --follow never ends; read the file once, for example 'tail -n 50 file'."),
            ("--pid", "tail --pid is not supported; read the file once, for example 'tail -n 50 file'.")),
    };

    private static readonly ArgumentShape Copy = new()
    {
        ValueOptions = ArgumentShape.Set("-S", "--suffix"),
        PathOptions = ArgumentShape.WithCommonPaths("-t"),
        Refused = ArgumentShape.Refusals(
            ("-L", "cp -L: " + NoDereference), ("-H", "cp -H: " + NoDereference), ("--dereference", "cp --dereference: " + NoDereference)),
    };

    private static readonly ArgumentShape Move = new()
    {
        ValueOptions = ArgumentShape.Set("-S", "--suffix"),
        PathOptions = ArgumentShape.WithCommonPaths("-t"),
    };

    private static readonly ArgumentShape MakeDirectory = new() { ValueOptions = ArgumentShape.Set("-m", "--mode") };

    private static readonly ArgumentShape Touch = new()
    {
        ValueOptions = ArgumentShape.Set("-d", "--date", "-t"),
        PathOptions = ArgumentShape.WithCommonPaths("-r"),
    };

    private static readonly ArgumentShape List = new()
    {
        ValueOptions = ArgumentShape.Set("-I", "--ignore", "--hide", "-w", "--width", "-T", "--tabsize", "--block-size"),
    };

    public static string? Evaluate(string program, IReadOnlyList<string> argv, ProjectPaths paths)
    {
        switch (program)
        {
            case "echo":
                return null;

            case "pwd":
                return argv.Skip(1).All(a => a is "-L" or "-P") ? null : "pwd takes no arguments.";

            case "rm":
                {
                    var parsed = ArgumentShape.Generic.Parse(argv, 1, paths);
                    return parsed.Error ?? OperandPaths.Check(parsed.Operands, paths, PathUse.Remove);
                }

            case "mv":
                {
                    var parsed = Move.Parse(argv, 1, paths);
                    if (parsed.Error is not null)
                    {
                        return parsed.Error;
                    }

                    var hasTarget = parsed.SeenOptions.Contains("-t") || parsed.SeenOptions.Contains("--target-directory");
                    var sources = hasTarget ? parsed.Operands : parsed.Operands.SkipLast(1).ToList();
                    return OperandPaths.Check(sources, paths, PathUse.Remove) ?? OperandPaths.Check(parsed.Operands, paths, PathUse.Read);
                }

            case "cp":
                return CopyCommand(argv, paths);

            case "touch":
                {
                    var parsed = Touch.Parse(argv, 1, paths);
                    return parsed.Error ?? OperandPaths.Check(parsed.Operands, paths, PathUse.WriteInPlace);
                }

            case "mkdir":
                return MakeDirectory.Check(argv, 1, paths);

            case "ls":
                return List.Check(argv, 1, paths);

            case "head" or "tail":
                return HeadTail.Check(argv, 1, paths);

            case "grep":
                {
                    var parsed = Grep.Parse(argv, 1, paths);
                    if (parsed.Error is not null)
                    {
                        return parsed.Error;
                    }

                    // The first operand is the pattern unless one came with -e or -f.
                    var patternGiven = parsed.SeenOptions.Overlaps(["-e", "--regexp", "-f", "--file"]);
                    return OperandPaths.Check(patternGiven ? parsed.Operands : parsed.Operands.Skip(1).ToList(), paths, PathUse.Read);
                }

            case "find":
                return FindCommand(argv, paths);

            default:
                return ArgumentShape.Generic.Check(argv, 1, paths);
        }
    }

    private static string? CopyCommand(IReadOnlyList<string> argv, ProjectPaths paths)
    {
        var parsed = Copy.Parse(argv, 1, paths);
        if (parsed.Error is not null)
        {
            return parsed.Error;
        }

        if (OperandPaths.Check(parsed.Operands, paths, PathUse.Read) is { } error)
        {
            return error;
        }

        if (parsed.SeenOptions.Contains("-t") || parsed.SeenOptions.Contains("--target-directory") || parsed.Operands.Count < 2)
        {
            return null;
        }

        // The destination is written in place; when it is a directory, so is each source's name inside it.
        var destination = parsed.Operands[^1];
        if (paths.Check(destination, PathUse.WriteInPlace) is { } destinationError)
        {
            return destinationError;
        }

        if (Directory.Exists(Path.GetFullPath(destination, paths.WorkingDirectory)))
        {
            foreach (var source in parsed.Operands.SkipLast(1))
            {
                var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(source));
                if (name.Length > 0 && paths.Check(Path.Join(destination, name), PathUse.WriteInPlace) is { } inside)
                {
                    return inside;
                }
            }
        }

        return null;
    }

    private static string? FindCommand(IReadOnlyList<string> argv, ProjectPaths paths)
    {
        var i = 1;
        // Options such as -L come before the starting points.
        for (; i < argv.Count && (argv[i] is "-L" or "-H" or "-P" or "-D" || argv[i].StartsWith("-O", StringComparison.Ordinal)); i++)
        {
            if (Find.Refused.TryGetValue(argv[i], out var refusal))
            {
                return refusal;
            }

            if (argv[i] == "-D")
            {
                i++;
            }
        }

        for (; i < argv.Count && !argv[i].StartsWith('-') && argv[i] is not ("(" or "!" or ")"); i++)
        {
            if (paths.Check(argv[i], PathUse.Read) is { } error)
            {
                return error;
            }
        }

        for (; i < argv.Count; i++)
        {
            if (Find.Refused.TryGetValue(argv[i], out var refusal))
            {
                return refusal;
            }

            if (FindPathTests.Contains(argv[i]) && i + 1 < argv.Count && paths.Check(argv[++i], PathUse.Read) is { } error)
            {
                return error;
            }
        }

        return null;
    }
}
