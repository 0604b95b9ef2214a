using System.Collections.Frozen;

namespace Kiln.Sandbox;

/// <summary>
/// pnpm, npm, yarn and npx: installs stay in the project (no global installs), local package specs stay
/// inside it, and what a runner fetches and starts (npx, dlx, npm exec, create, init) must be an allowed
/// package. pnpm exec runs a binary already in the project, judged like any command, one level deeper.
/// </summary>
/// <param name="allowlist">The configured programs and packages.</param>
/// <param name="evaluateProgram">The whole policy, for the program pnpm exec runs: argv, paths, nesting → refusal or null.</param>
internal sealed class PackageManagerRules(ProgramAllowlist allowlist, Func<IReadOnlyList<string>, ProjectPaths, int, string?> evaluateProgram)
{
    private const string GlobalInstall =
        "global installs write outside the project; add the package to the project instead (for example 'pnpm add -D typescript').";

    private static readonly FrozenDictionary<string, string> Refusals = new Dictionary<string, string>
    {
        ["-g"] = GlobalInstall,
        ["--global"] = GlobalInstall,
        ["--location"] = GlobalInstall,
        ["--global-dir"] = GlobalInstall,
        ["--global-bin-dir"] = GlobalInstall,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, ArgumentShape> Managers = new Dictionary<string, ArgumentShape>
    {
        ["pnpm"] = new()
        {
            ValueOptions = ArgumentShape.Set("--filter", "-F", "--reporter", "--loglevel", "--registry", "--tag"),
            PathOptions = ArgumentShape.WithCommonPaths("-C", "--cache", "--script-shell"),
            Refused = Refusals,
        },
        ["npm"] = new()
        {
            ValueOptions = ArgumentShape.Set("-w", "--workspace", "--loglevel", "--registry", "--tag"),
            PathOptions = ArgumentShape.WithCommonPaths("-C", "--cache", "--script-shell"),
            Refused = Refusals,
        },
        ["yarn"] = new()
        {
            ValueOptions = ArgumentShape.Set("--registry", "--tag"),
            PathOptions = ArgumentShape.WithCommonPaths("--cache-folder", "--modules-folder", "--script-shell"),
            Refused = Refusals,
        },
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Options of npx, pnpm dlx and npm exec that come before the package.</summary>
    private static readonly ArgumentShape Runner = new()
    {
        ValueOptions = ArgumentShape.Set("-p", "--package"),
        Refused = new Dictionary<string, string>
        {
            ["-c"] = "running a shell string (-c) is not supported; " + NeverAllowedPrograms.RunDirectly + ".",
            ["--call"] = "running a shell string (--call) is not supported; " + NeverAllowedPrograms.RunDirectly + ".",
            ["--shell-mode"] = "running a shell string (--shell-mode) is not supported; " + NeverAllowedPrograms.RunDirectly + ".",
        }.ToFrozenDictionary(StringComparer.Ordinal),
    };

    private static readonly FrozenSet<string> InstallLike = ArgumentShape.Set(
        "install", "i", "ci", "add", "remove", "rm", "uninstall", "un", "update", "up", "upgrade",
        "list", "ls", "why", "explain", "outdated");

    /// <summary>pnpm, npm or yarn with its sub-command.</summary>
    public string? Evaluate(string manager, IReadOnlyList<string> argv, FrozenSet<string> allowed, ProjectPaths paths, int nesting)
    {
        var shape = Managers[manager];
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
        if (ProgramAllowlist.SubCommandRefusal(manager, subCommand, allowed) is { } refusal)
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
                        ? PackageSpecs.CheckLocal(parsed.Operands, paths)
                        : OperandPaths.Check(parsed.Operands, paths, PathUse.Read);
                }
        }
    }

    /// <summary>npx, pnpm dlx, yarn dlx and npm exec: fetch a package and run its binary.</summary>
    public string? PackageRun(string runner, IReadOnlyList<string> argv, int start, ProjectPaths paths)
    {
        var leading = Runner.Parse(argv, start, paths, stopAtFirstOperand: true);
        if (leading.Error is not null)
        {
            return leading.Error;
        }

        // Packages named with -p/--package must be allowlisted too, whatever binary is then run.
        for (var i = start; i < leading.NextIndex; i++)
        {
            var name = PackageValue(argv, i);
            if (name is not null && !allowlist.AllowsPackage(PackageSpecs.PackageName(name)))
            {
                return NotAllowedPackage(runner, PackageSpecs.PackageName(name));
            }
        }

        if (leading.Operands.Count == 0)
        {
            return $"{runner} needs a package to run, for example '{runner} create-vite my-app'.";
        }

        var command = PackageSpecs.PackageName(leading.Operands[0]);
        var viaPackageOption = leading.SeenOptions.Contains("-p") || leading.SeenOptions.Contains("--package");
        if (!allowlist.AllowsPackage(command) &&
            !(viaPackageOption && allowlist.SubCommands(command) is not null && !NeverAllowedPrograms.Contains(command)))
        {
            return NotAllowedPackage(runner, command);
        }

        return ArgumentShape.Generic.Check(argv, leading.NextIndex, paths);

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
        $"{runner} may only run these packages: {string.Join(", ", allowlist.Packages())}; '{package}' is not one of them. " +
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

        var package = PackageSpecs.CreatePackageName(PackageSpecs.PackageName(leading.Operands[0]));
        if (!allowlist.AllowsPackage(package))
        {
            return NotAllowedPackage(runner, package);
        }

        return ArgumentShape.Generic.Check(argv, leading.NextIndex, paths);
    }

    /// <summary>pnpm exec runs a binary already installed in the project; the binary is judged like any command.</summary>
    private string? LocalExec(string manager, IReadOnlyList<string> argv, int start, ProjectPaths paths, int nesting)
    {
        var leading = Runner.Parse(argv, start, paths, stopAtFirstOperand: true);
        if (leading.Error is not null)
        {
            return leading.Error;
        }

        if (leading.Operands.Count == 0)
        {
            return $"{manager} exec needs a program, for example '{manager} exec tsc --noEmit'.";
        }

        var target = argv.Skip(leading.NextIndex - 1).ToList();
        if (allowlist.SubCommands(target[0]) is null && allowlist.AllowsPackage(target[0]) && !NeverAllowedPrograms.Contains(target[0]))
        {
            return ArgumentShape.Generic.Check(target, 1, paths);
        }

        return evaluateProgram(target, paths, nesting + 1);
    }
}
