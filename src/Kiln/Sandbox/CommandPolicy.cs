using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Kiln.Sandbox;

/// <summary>
/// Decides whether an argv the model asked for may run: the program and its sub-command must be
/// on the allowlist, code given inline is refused, and every path-like argument must stay inside
/// the app directory. This is the first layer; scripts the project itself runs (package.json
/// scripts, build tools) are code it owns and are contained by the process sandbox, not by this.
/// </summary>
public sealed class CommandPolicy(IOptions<SandboxOptions> options)
{
    private const int MaxNesting = 3;

    private const string RunDirectly = "run the program directly, one command per call (for example 'pnpm install')";

    /// <summary>Programs no configuration can allow, because they run code or other programs the allowlist cannot see.</summary>
    private static readonly FrozenDictionary<string, string> NeverAllowed = BuildNeverAllowed();

    /// <summary>Flags with which an interpreter runs code given on the command line rather than a file in the project.</summary>
    private static readonly FrozenDictionary<string, FrozenSet<string>> InlineCodeFlags = new Dictionary<string, FrozenSet<string>>
    {
        ["python"] = ArgumentShape.Set("-c"),
        ["python3"] = ArgumentShape.Set("-c"),
        ["perl"] = ArgumentShape.Set("-e", "-E"),
        ["ruby"] = ArgumentShape.Set("-e"),
        ["php"] = ArgumentShape.Set("-r"),
        ["lua"] = ArgumentShape.Set("-e"),
        ["deno"] = ArgumentShape.Set("eval", "-e", "--eval"),
        ["bun"] = ArgumentShape.Set("-e", "--eval", "-p", "--print"),
        ["tsx"] = ArgumentShape.Set("-e", "--eval", "-p", "--print"),
        ["ts-node"] = ArgumentShape.Set("-e", "--eval", "-p", "--print"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>git sub-commands that change the repository, the work tree or the configuration.</summary>
    private static readonly FrozenSet<string> GitWrites = ArgumentShape.Set(
        "add", "am", "apply", "bisect", "checkout", "cherry-pick", "clean", "clone", "commit", "config", "fetch",
        "filter-branch", "gc", "init", "merge", "mv", "notes", "prune", "pull", "push", "rebase", "reflog", "remote",
        "replace", "reset", "restore", "revert", "rm", "stash", "submodule", "switch", "tag", "update-index",
        "update-ref", "worktree");

    private static readonly FrozenSet<string> GitGlobalFlags = ArgumentShape.Set(
        "--no-pager", "-P", "--no-optional-locks", "--literal-pathspecs", "--version", "--help", "-C");

    private static readonly ArgumentShape GitGlobal = new() { PathOptions = ArgumentShape.Set("-C") };

    private static readonly ArgumentShape GitArguments = new()
    {
        // After the sub-command, -C means "detect copies", not a directory; revisions and paths are operands.
        PathOptions = ArgumentShape.Set(),
        Refused = new Dictionary<string, string>
        {
            ["--output"] = "git --output writes a file; Kiln's git commands are read-only, so read the output instead.",
            ["--ext-diff"] = "git --ext-diff runs an external program; use plain 'git diff'.",
        }.ToFrozenDictionary(StringComparer.Ordinal),
    };

    private static readonly FrozenSet<string> GitBranchListFlags = ArgumentShape.Set(
        "-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose", "--show-current", "--list", "-l", "--no-color",
        "--color=never", "--contains", "--no-contains", "--merged", "--no-merged", "--sort", "--format", "--points-at");

    private static readonly FrozenSet<string> NodeFlags = ArgumentShape.Set(
        "--enable-source-maps", "--no-warnings", "--no-deprecation", "--trace-warnings", "--trace-deprecation",
        "--trace-uncaught", "--test", "--watch", "--watch-path", "--experimental-strip-types",
        "--experimental-transform-types", "--experimental-vm-modules", "--max-old-space-size", "--stack-trace-limit",
        "--test-reporter", "--test-name-pattern", "--env-file", "-v", "--version", "-h", "--help");

    private static readonly FrozenSet<string> NodeInline = ArgumentShape.Set(
        "-e", "--eval", "-p", "--print", "-pe", "-r", "--require", "--import", "--loader", "--experimental-loader",
        "-i", "--interactive", "--input-type");

    private static readonly string GlobalInstall =
        "global installs write outside the project; add the package to the project instead (for example 'pnpm add -D typescript').";

    private static readonly FrozenDictionary<string, string> PackageManagerRefusals = new Dictionary<string, string>
    {
        ["-g"] = GlobalInstall,
        ["--global"] = GlobalInstall,
        ["--location"] = GlobalInstall,
        ["--global-dir"] = GlobalInstall,
        ["--global-bin-dir"] = GlobalInstall,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, ArgumentShape> PackageManagers = new Dictionary<string, ArgumentShape>
    {
        ["pnpm"] = new()
        {
            ValueOptions = ArgumentShape.Set("--filter", "-F", "--reporter", "--loglevel", "--registry", "--tag"),
            PathOptions = ArgumentShape.WithCommonPaths("-C", "--cache", "--script-shell"),
            Refused = PackageManagerRefusals,
        },
        ["npm"] = new()
        {
            ValueOptions = ArgumentShape.Set("-w", "--workspace", "--loglevel", "--registry", "--tag"),
            PathOptions = ArgumentShape.WithCommonPaths("-C", "--cache", "--script-shell"),
            Refused = PackageManagerRefusals,
        },
        ["yarn"] = new()
        {
            ValueOptions = ArgumentShape.Set("--registry", "--tag"),
            PathOptions = ArgumentShape.WithCommonPaths("--cache-folder", "--modules-folder", "--script-shell"),
            Refused = PackageManagerRefusals,
        },
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Options of npx, pnpm dlx and npm exec that come before the package.</summary>
    private static readonly ArgumentShape PackageRunner = new()
    {
        ValueOptions = ArgumentShape.Set("-p", "--package"),
        Refused = new Dictionary<string, string>
        {
            ["-c"] = "running a shell string (-c) is not supported; " + RunDirectly + ".",
            ["--call"] = "running a shell string (--call) is not supported; " + RunDirectly + ".",
            ["--shell-mode"] = "running a shell string (--shell-mode) is not supported; " + RunDirectly + ".",
        }.ToFrozenDictionary(StringComparer.Ordinal),
    };

    private static readonly FrozenSet<string> InstallLike = ArgumentShape.Set(
        "install", "i", "ci", "add", "remove", "rm", "uninstall", "un", "update", "up", "upgrade",
        "list", "ls", "why", "explain", "outdated");

    private static readonly string[] LocalSpecPrefixes = ["file:", "link:", "portal:"];

    private static readonly ArgumentShape Find = new()
    {
        ValueOptions = ArgumentShape.Set("-D", "-O"),
        Refused = Refusals(
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
        Refused = Refusals(
            ("-R", "grep -R follows symbolic links, which can lead outside the project; use grep -r."),
            ("--dereference-recursive", "grep --dereference-recursive follows symbolic links, which can lead outside the project; use grep -r.")),
    };

    private static readonly ArgumentShape HeadTail = new()
    {
        ValueOptions = ArgumentShape.Set("-n", "--lines", "-c", "--bytes"),
        Refused = Refusals(
            ("-f", "tail -f never ends; read the file once, for example 'tail -n 50 file'."),
            ("-F", "tail -F never ends; read the file once, for example 'tail -n 50 file'."),
            ("--follow", "tail --follow never ends; read the file once, for example 'tail -n 50 file'."),
            ("--pid", "tail --pid is not supported; read the file once, for example 'tail -n 50 file'.")),
    };

    private static readonly string NoDereference = "following symbolic links can copy files from outside the project; drop the option.";

    private static readonly ArgumentShape Copy = new()
    {
        ValueOptions = ArgumentShape.Set("-S", "--suffix"),
        PathOptions = ArgumentShape.WithCommonPaths("-t"),
        Refused = Refusals(("-L", "cp -L: " + NoDereference), ("-H", "cp -H: " + NoDereference), ("--dereference", "cp --dereference: " + NoDereference)),
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

    private readonly SandboxOptions _options = options.Value;

    public PolicyDecision Evaluate(IReadOnlyList<string> argv, string appDirectory, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(appDirectory);
        ArgumentNullException.ThrowIfNull(workingDirectory);

        if (argv.Count == 0)
        {
            return PolicyDecision.Refuse("the command is empty; give a program and its arguments, for example 'pnpm install'.");
        }

        if (argv.Count > CommandLine.MaxArguments || argv.Sum(a => a.Length + 1) > CommandLine.MaxLength)
        {
            return PolicyDecision.Refuse(
                $"the command is too long (at most {CommandLine.MaxArguments} arguments and {CommandLine.MaxLength} characters); split the work into smaller commands.");
        }

        foreach (var arg in argv)
        {
            if (arg.Any(char.IsControl))
            {
                return PolicyDecision.Refuse("an argument contains a control character; arguments and file names must be printable text.");
            }
        }

        var (paths, error) = ProjectPaths.Create(appDirectory, workingDirectory);
        if (paths is null)
        {
            return PolicyDecision.Refuse(error!);
        }

        return EvaluateProgram(argv, paths, nesting: 0) is { } reason
            ? PolicyDecision.Refuse(reason)
            : PolicyDecision.Allow;
    }

    private string? EvaluateProgram(IReadOnlyList<string> argv, ProjectPaths paths, int nesting)
    {
        if (nesting > MaxNesting)
        {
            return "the command nests too many runners; " + RunDirectly + ".";
        }

        if (argv.Count == 0)
        {
            return "no program was given to run.";
        }

        var program = argv[0];
        if (program.Length == 0)
        {
            return "the program name is empty.";
        }

        if (program.Contains('/', StringComparison.Ordinal))
        {
            return $"'{program}': run programs by name, not by path (for example 'vite'); for a tool installed in the project use 'pnpm exec <tool>'.";
        }

        if (NeverAllowed.TryGetValue(program, out var never))
        {
            return never;
        }

        var allowed = AllowedSubCommands(program);
        if (allowed is null)
        {
            return $"'{program}' is not an allowed program. Allowed programs: {string.Join(", ", AllowedPrograms())}.";
        }

        return program switch
        {
            "pnpm" or "npm" or "yarn" => PackageManager(program, argv, allowed, paths, nesting),
            "npx" => PackageRun("npx", argv, 1, paths),
            "node" => Node(argv, paths),
            "git" => Git(argv, allowed, paths),
            _ => Tool(program, argv, allowed, paths),
        };
    }

    /// <summary>The sub-commands configured for a program: empty set means any; null means not allowed.</summary>
    private FrozenSet<string>? AllowedSubCommands(string program)
    {
        if (!_options.Programs.TryGetValue(program, out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var items = value.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
        return items.Contains("*") ? FrozenSet<string>.Empty : ArgumentShape.Set(items);
    }

    private IEnumerable<string> AllowedPrograms() =>
        _options.Programs.Where(p => !string.IsNullOrWhiteSpace(p.Value) && !NeverAllowed.ContainsKey(p.Key))
            .Select(p => p.Key).Order(StringComparer.Ordinal);

    private IEnumerable<string> AllowedPackages() =>
        _options.Packages.Where(p => p.Value).Select(p => p.Key).Order(StringComparer.Ordinal);

    private bool IsAllowedPackage(string name) => _options.Packages.TryGetValue(name, out var allowed) && allowed;

    private static string? SubCommandRefusal(string program, string subCommand, FrozenSet<string> allowed) =>
        allowed.Count == 0 || allowed.Contains(subCommand)
            ? null
            : $"'{program} {subCommand}' is not allowed. Allowed: {string.Join(", ", allowed.Order(StringComparer.Ordinal).Select(s => $"{program} {s}"))}.";

    private string? PackageManager(string manager, IReadOnlyList<string> argv, FrozenSet<string> allowed, ProjectPaths paths, int nesting)
    {
        var shape = PackageManagers[manager];
        var leading = shape.Parse(argv, 1, paths, stopAtFirstOperand: true);
        if (leading.Error is not null)
        {
            return leading.Error;
        }

        if (leading.Operands.Count == 0)
        {
            // Options only, such as 'npm --version'.
            return null;
        }

        var subCommand = leading.Operands[0];
        if (SubCommandRefusal(manager, subCommand, allowed) is { } refusal)
        {
            return refusal;
        }

        var rest = leading.NextIndex;
        switch (subCommand)
        {
            case "dlx":
                return PackageRun($"{manager} dlx", argv, rest, paths);

            case "exec" or "x" when manager == "npm":
                // npm exec fetches the package when it is not installed, exactly like npx.
                return PackageRun($"npm {subCommand}", argv, rest, paths);

            case "exec":
                return LocalExec(manager, argv, rest, paths, nesting);

            case "create":
                return Create($"{manager} create", argv, rest, paths, shape);

            case "init" when manager == "npm":
                {
                    // 'npm init vite' is 'npm create vite'; 'npm init -y' only writes package.json.
                    var initArgs = shape.Parse(argv, rest, paths);
                    return initArgs.Error ?? (initArgs.Operands.Count > 0 ? Create("npm init", argv, rest, paths, shape) : null);
                }

            default:
                {
                    var parsed = shape.Parse(argv, rest, paths);
                    if (parsed.Error is not null)
                    {
                        return parsed.Error;
                    }

                    return InstallLike.Contains(subCommand)
                        ? CheckPackageSpecs(parsed.Operands, paths)
                        : CheckOperands(parsed.Operands, paths, PathUse.Read);
                }
        }
    }

    /// <summary>Package specs are names, not paths, except the local forms a package manager reads from disk.</summary>
    private static string? CheckPackageSpecs(IReadOnlyList<string> specs, ProjectPaths paths)
    {
        foreach (var spec in specs)
        {
            var local = LocalPart(spec);
            if (local is not null && paths.Check(local, PathUse.Read) is { } error)
            {
                return error;
            }
        }

        return null;

        static string? LocalPart(string spec)
        {
            if (spec.StartsWith('.') || spec.StartsWith('/') || spec.StartsWith('~'))
            {
                return spec;
            }

            foreach (var prefix in LocalSpecPrefixes)
            {
                var at = spec.IndexOf(prefix, StringComparison.Ordinal);
                if (at == 0 || (at > 0 && spec[at - 1] == '@'))
                {
                    return spec[(at + prefix.Length)..];
                }
            }

            return null;
        }
    }

    /// <summary>npx, pnpm dlx, yarn dlx and npm exec: fetch a package and run its binary.</summary>
    private string? PackageRun(string runner, IReadOnlyList<string> argv, int start, ProjectPaths paths)
    {
        var leading = PackageRunner.Parse(argv, start, paths, stopAtFirstOperand: true);
        if (leading.Error is not null)
        {
            return leading.Error;
        }

        // Packages named with -p/--package must be allowlisted too, whatever binary is then run.
        for (var i = start; i < leading.NextIndex; i++)
        {
            var name = PackageValue(argv, i);
            if (name is not null && !IsAllowedPackage(PackageName(name)))
            {
                return NotAllowedPackage(runner, PackageName(name));
            }
        }

        if (leading.Operands.Count == 0)
        {
            return $"{runner} needs a package to run, for example '{runner} create-vite my-app'.";
        }

        var command = PackageName(leading.Operands[0]);
        var viaPackageOption = leading.SeenOptions.Contains("-p") || leading.SeenOptions.Contains("--package");
        if (!IsAllowedPackage(command) && !(viaPackageOption && AllowedSubCommands(command) is not null && !NeverAllowed.ContainsKey(command)))
        {
            return NotAllowedPackage(runner, command);
        }

        return CheckToolArguments(argv, leading.NextIndex, ArgumentShape.Generic, paths);

        static string? PackageValue(IReadOnlyList<string> argv, int i)
        {
            var arg = argv[i];
            if (arg.StartsWith("--package=", StringComparison.Ordinal))
            {
                return arg["--package=".Length..];
            }

            return arg is "-p" or "--package" && i + 1 < argv.Count ? argv[i + 1] : null;
        }
    }

    private string NotAllowedPackage(string runner, string package) =>
        $"{runner} may only run these packages: {string.Join(", ", AllowedPackages())}; '{package}' is not one of them. " +
        "Add what you need as a project dependency with 'pnpm add' and use it from a package.json script.";

    private string? Create(string runner, IReadOnlyList<string> argv, int start, ProjectPaths paths, ArgumentShape shape)
    {
        var leading = shape.Parse(argv, start, paths, stopAtFirstOperand: true);
        if (leading.Error is not null)
        {
            return leading.Error;
        }

        if (leading.Operands.Count == 0)
        {
            return $"{runner} needs a starter, for example '{runner} vite my-app'.";
        }

        var package = CreatePackageName(PackageName(leading.Operands[0]));
        if (!IsAllowedPackage(package))
        {
            return NotAllowedPackage(runner, package);
        }

        return CheckToolArguments(argv, leading.NextIndex, ArgumentShape.Generic, paths);
    }

    /// <summary>pnpm exec runs a binary already installed in the project; the binary is judged like any command.</summary>
    private string? LocalExec(string manager, IReadOnlyList<string> argv, int start, ProjectPaths paths, int nesting)
    {
        var leading = PackageRunner.Parse(argv, start, paths, stopAtFirstOperand: true);
        if (leading.Error is not null)
        {
            return leading.Error;
        }

        if (leading.Operands.Count == 0)
        {
            return $"{manager} exec needs a program, for example '{manager} exec tsc --noEmit'.";
        }

        var target = argv.Skip(leading.NextIndex - 1).ToList();
        if (AllowedSubCommands(target[0]) is null && IsAllowedPackage(target[0]) && !NeverAllowed.ContainsKey(target[0]))
        {
            return CheckToolArguments(target, 1, ArgumentShape.Generic, paths);
        }

        return EvaluateProgram(target, paths, nesting + 1);
    }

    private static string? Node(IReadOnlyList<string> argv, ProjectPaths paths)
    {
        var i = 1;
        var informational = false;
        var test = false;
        for (; i < argv.Count && argv[i].StartsWith('-') && argv[i] != "-"; i++)
        {
            var arg = argv[i];
            var name = arg.Split('=', 2)[0];
            if (arg == "--")
            {
                i++;
                break;
            }

            // Also a cluster such as -pe or -ie, where one of the letters takes inline code.
            if (NodeInline.Contains(name) || (name.Length > 2 && name[1] != '-' && name.AsSpan(1).IndexOfAny("epri") >= 0))
            {
                return $"node {name} runs code that is not a file in the project; write the code to a file (for example 'scripts/check.mjs') and run 'node scripts/check.mjs'.";
            }

            if (name.StartsWith("--inspect", StringComparison.Ordinal) || name == "--debug-port")
            {
                return "node's inspector opens a debugging port that can run any code; it is not allowed.";
            }

            if (!NodeFlags.Contains(name))
            {
                return $"node option '{name}' is not allowed. Allowed options: {string.Join(", ", NodeFlags.Order(StringComparer.Ordinal))}.";
            }

            if (name is "--env-file" or "--watch-path")
            {
                var value = arg.Contains('=', StringComparison.Ordinal) ? arg[(name.Length + 1)..] : (++i < argv.Count ? argv[i] : "");
                if (paths.Check(value, PathUse.Read) is { } error)
                {
                    return error;
                }
            }

            informational |= name is "-v" or "--version" or "-h" or "--help";
            test |= name == "--test";
        }

        if (i >= argv.Count)
        {
            return informational || test
                ? null
                : "node needs a script file in the project, for example 'node scripts/build.mjs'.";
        }

        var script = argv[i];
        if (script == "-")
        {
            return "node cannot read a script from standard input; write it to a file in the project and run that file.";
        }

        if (paths.Check(script, PathUse.Read) is { } scriptError)
        {
            return scriptError;
        }

        var full = Path.GetFullPath(script, paths.WorkingDirectory);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            return $"the script '{script}' does not exist; write it first, then run it with node.";
        }

        return CheckOperands(argv.Skip(i + 1).Where(a => !a.StartsWith('-')).ToList(), paths, PathUse.Read);
    }

    private static string? Git(IReadOnlyList<string> argv, FrozenSet<string> allowed, ProjectPaths paths)
    {
        var leading = GitGlobal.Parse(argv, 1, paths, stopAtFirstOperand: true);
        if (leading.Error is not null)
        {
            return leading.Error;
        }

        foreach (var option in leading.SeenOptions)
        {
            if (!GitGlobalFlags.Contains(option))
            {
                return $"git option '{option}' is not allowed before the sub-command; Kiln's git commands are read-only (for example 'git status', 'git log --oneline').";
            }
        }

        if (leading.Operands.Count == 0)
        {
            return leading.SeenOptions.Contains("--version") || leading.SeenOptions.Contains("--help")
                ? null
                : "git needs a sub-command, for example 'git status'.";
        }

        var subCommand = leading.Operands[0];
        if (GitWrites.Contains(subCommand))
        {
            return $"'git {subCommand}' changes the repository; Kiln records the project's history itself, so git commands are read-only " +
                   "(git status, log, diff, show, ls-files, branch).";
        }

        if (SubCommandRefusal("git", subCommand, allowed) is { } refusal)
        {
            return refusal;
        }

        var parsed = GitArguments.Parse(argv, leading.NextIndex, paths);
        if (parsed.Error is not null)
        {
            return parsed.Error;
        }

        if (subCommand == "branch")
        {
            foreach (var option in parsed.SeenOptions)
            {
                if (!GitBranchListFlags.Contains(option))
                {
                    return $"'git branch {option}' changes branches; only listing branches is allowed (for example 'git branch -a').";
                }
            }

            var listing = parsed.SeenOptions.Contains("--list") || parsed.SeenOptions.Contains("-l");
            if (parsed.Operands.Count > 0 && !listing)
            {
                return "'git branch <name>' creates a branch; only listing branches is allowed (for example 'git branch -a').";
            }

            return null;
        }

        return CheckOperands(parsed.Operands, paths, PathUse.Read);
    }

    private static string? Tool(string program, IReadOnlyList<string> argv, FrozenSet<string> allowed, ProjectPaths paths)
    {
        if (allowed.Count > 0)
        {
            var first = argv.Skip(1).FirstOrDefault(a => !a.StartsWith('-'));
            if (first is null)
            {
                return $"{program} needs a sub-command: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.";
            }

            if (SubCommandRefusal(program, first, allowed) is { } refusal)
            {
                return refusal;
            }
        }

        if (InlineCodeFlags.TryGetValue(program, out var inline) && UsesInlineCode(argv, inline) is { } flag)
        {
            return $"{program} {flag} runs code given on the command line; write the code to a file in the project and run that file.";
        }

        switch (program)
        {
            case "echo":
                return null;

            case "pwd":
                return argv.Skip(1).All(a => a is "-L" or "-P") ? null : "pwd takes no arguments.";

            case "rm":
                {
                    var parsed = ArgumentShape.Generic.Parse(argv, 1, paths);
                    return parsed.Error ?? CheckOperands(parsed.Operands, paths, PathUse.Remove);
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
                    return CheckOperands(sources, paths, PathUse.Remove) ?? CheckOperands(parsed.Operands, paths, PathUse.Read);
                }

            case "cp":
                return CopyCommand(argv, paths);

            case "touch":
                {
                    var parsed = Touch.Parse(argv, 1, paths);
                    return parsed.Error ?? CheckOperands(parsed.Operands, paths, PathUse.WriteInPlace);
                }

            case "mkdir":
                return CheckToolArguments(argv, 1, MakeDirectory, paths);

            case "ls":
                return CheckToolArguments(argv, 1, List, paths);

            case "head" or "tail":
                return CheckToolArguments(argv, 1, HeadTail, paths);

            case "grep":
                {
                    var parsed = Grep.Parse(argv, 1, paths);
                    if (parsed.Error is not null)
                    {
                        return parsed.Error;
                    }

                    // The first operand is the pattern unless one came with -e or -f.
                    var patternGiven = parsed.SeenOptions.Overlaps(["-e", "--regexp", "-f", "--file"]);
                    return CheckOperands(patternGiven ? parsed.Operands : parsed.Operands.Skip(1).ToList(), paths, PathUse.Read);
                }

            case "find":
                return FindCommand(argv, paths);

            default:
                return CheckToolArguments(argv, 1, ArgumentShape.Generic, paths);
        }
    }

    private static string? CopyCommand(IReadOnlyList<string> argv, ProjectPaths paths)
    {
        var parsed = Copy.Parse(argv, 1, paths);
        if (parsed.Error is not null)
        {
            return parsed.Error;
        }

        if (CheckOperands(parsed.Operands, paths, PathUse.Read) is { } error)
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

    private static string? CheckToolArguments(IReadOnlyList<string> argv, int start, ArgumentShape shape, ProjectPaths paths)
    {
        var parsed = shape.Parse(argv, start, paths);
        return parsed.Error ?? CheckOperands(parsed.Operands, paths, PathUse.Read);
    }

    private static string? CheckOperands(IReadOnlyList<string> operands, ProjectPaths paths, PathUse use)
    {
        foreach (var operand in operands)
        {
            if (operand != "-" && paths.Check(operand, use) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static string? UsesInlineCode(IReadOnlyList<string> argv, FrozenSet<string> flags)
    {
        foreach (var arg in argv.Skip(1))
        {
            var name = arg.Split('=', 2)[0];
            if (flags.Contains(name))
            {
                return name;
            }

            // A short flag inside a cluster (python -Sc) or with its value attached (perl -e'...').
            if (arg.Length > 2 && arg[0] == '-' && arg[1] != '-')
            {
                foreach (var flag in flags)
                {
                    if (flag.Length == 2 && flag[0] == '-' && arg.Contains(flag[1], StringComparison.Ordinal))
                    {
                        return flag;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>The package name of a spec, without its version: 'create-vite@latest' → 'create-vite', '@scope/x@1' → '@scope/x'.</summary>
    internal static string PackageName(string spec)
    {
        var versionAt = spec.IndexOf('@', spec.StartsWith('@') ? 1 : 0);
        return versionAt < 0 ? spec : spec[..versionAt];
    }

    /// <summary>The package an initializer names, as npm and pnpm map it: 'vite' → 'create-vite', '@scope/x' → '@scope/create-x'.</summary>
    internal static string CreatePackageName(string name)
    {
        if (name.StartsWith('@'))
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            return slash < 0 ? name + "/create" : $"{name[..(slash + 1)]}create-{name[(slash + 1)..]}";
        }

        return "create-" + name;
    }

    private static FrozenDictionary<string, string> Refusals(params (string Option, string Reason)[] items) =>
        items.ToFrozenDictionary(i => i.Option, i => i.Reason, StringComparer.Ordinal);

    private static FrozenDictionary<string, string> BuildNeverAllowed()
    {
        var never = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var shell in new[] { "sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "csh", "tcsh", "ash", "busybox", "pwsh", "powershell" })
        {
            never[shell] = $"'{shell}' is a shell; Kiln runs one program per command without a shell. " + char.ToUpperInvariant(RunDirectly[0]) + RunDirectly[1..] + ".";
        }

        foreach (var wrapper in new[]
                 {
                     "env", "xargs", "sudo", "su", "doas", "nohup", "setsid", "nice", "ionice", "timeout", "stdbuf", "time",
                     "strace", "ltrace", "gdb", "chroot", "unshare", "nsenter", "bwrap", "prlimit", "setpriv", "script",
                     "expect", "watch", "exec", "eval", "source", "command", "builtin", "flock", "parallel", "runuser",
                 })
        {
            never[wrapper] = $"'{wrapper}' starts other programs, which would bypass the allowlist; " + RunDirectly + ".";
        }

        foreach (var editor in new[] { "sed", "awk", "gawk", "mawk", "nawk", "ed", "vi", "vim", "nano", "emacs" })
        {
            never[editor] = $"'{editor}' runs editing scripts that can write any file and start programs; use the file tools (write_file, edit_file) to change files.";
        }

        return never.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
