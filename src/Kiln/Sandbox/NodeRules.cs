using System.Collections.Frozen;

namespace Kiln.Sandbox;

/// <summary>
/// node runs a script file in the project with a known set of flags; code given on the command line,
/// from standard input or through a loader, and the inspector's debugging port are refused.
/// </summary>
internal static class NodeRules
{
    private static readonly FrozenSet<string> Flags = ArgumentShape.Set(
        "--enable-source-maps", "--no-warnings", "--no-deprecation", "--trace-warnings", "--trace-deprecation",
        "--trace-uncaught", "--test", "--watch", "--watch-path", "--experimental-strip-types",
        "--experimental-transform-types", "--experimental-vm-modules", "--max-old-space-size", "--stack-trace-limit",
        "--test-reporter", "--test-name-pattern", "--env-file", "-v", "--version", "-h", "--help");

    private static readonly FrozenSet<string> Inline = ArgumentShape.Set(
        "-e", "--eval", "-p", "--print", "-pe", "-r", "--require", "--import", "--loader", "--experimental-loader",
        "-i", "--interactive", "--input-type");

    public static string? Evaluate(IReadOnlyList<string> argv, ProjectPaths paths)
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
            if (Inline.Contains(name) || (name.Length > 2 && name[1] != '-' && name.AsSpan(1).IndexOfAny("epri") >= 0))
            {
                return $"node {name} runs code that is not a file in the project; write the code to a file (for example 'scripts/check.mjs') and run 'node scripts/check.mjs'.";
            }

            if (name.StartsWith("--inspect", StringComparison.Ordinal) || name == "--debug-port")
            {
                return "node's inspector opens a debugging port that can run any code; it is not allowed.";
            }

            if (!Flags.Contains(name))
            {
                return $"node option '{name}' is not allowed. Allowed options: {string.Join(", ", Flags.Order(StringComparer.Ordinal))}.";
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

        return OperandPaths.Check(argv.Skip(i + 1).Where(a => !a.StartsWith('-')).ToList(), paths, PathUse.Read);
    }
}
