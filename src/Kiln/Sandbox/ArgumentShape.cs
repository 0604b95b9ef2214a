using System.Collections.Frozen;

namespace Kiln.Sandbox;

/// <summary>
/// The arguments of a command once options are told apart from operands; NextIndex is where
/// parsing stopped (after the first operand when asked to stop there, else the end).
/// </summary>
internal sealed record ParsedArguments(IReadOnlyList<string> Operands, IReadOnlySet<string> SeenOptions, string? Error, int NextIndex);

/// <summary>
/// What a program's options look like: which take a value, which take a path, which are refused.
/// Enough of getopt to find the operands and the path-valued options, no more; an option this does
/// not know is treated as a flag, so its value (if any) is checked as an operand, which can only
/// make the check stricter.
/// </summary>
internal sealed class ArgumentShape
{
    /// <summary>Long options that name a file or directory in many tools (vite, tsc, eslint, prettier, next, package managers).</summary>
    public static readonly FrozenSet<string> CommonPathOptions = FrozenSet.Create(StringComparer.Ordinal,
        "--prefix", "--dir", "--cwd", "--root", "--outDir", "--outdir", "--out-dir", "--outFile", "--out-file",
        "--output", "--config", "--project", "--target-directory", "--cache-dir", "--cache-location", "--store-dir",
        "--global-dir", "--modules-dir", "--virtual-store-dir", "--lockfile-dir", "--userconfig", "--globalconfig",
        "--git-dir", "--work-tree", "--env-file", "--ignore-path", "--tsconfig", "--rulesdir",
        "--resolve-plugins-relative-to", "--files0-from", "--reference");

    public static readonly ArgumentShape Generic = new();

    public IReadOnlySet<string> ValueOptions { get; init; } = FrozenSet<string>.Empty;

    public IReadOnlySet<string> PathOptions { get; init; } = CommonPathOptions;

    /// <summary>Options refused outright, with the sentence the model gets.</summary>
    public IReadOnlyDictionary<string, string> Refused { get; init; } = FrozenDictionary<string, string>.Empty;

    /// <summary>
    /// Walks <paramref name="args"/> from <paramref name="start"/>: refuses forbidden options,
    /// checks path-valued options, and returns the operands (unchecked; the caller knows what they are).
    /// </summary>
    public ParsedArguments Parse(IReadOnlyList<string> args, int start, ProjectPaths paths, bool stopAtFirstOperand = false)
    {
        var operands = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var afterDoubleDash = false;

        for (var i = start; i < args.Count; i++)
        {
            var arg = args[i];
            if (afterDoubleDash || arg == "-" || !arg.StartsWith('-'))
            {
                operands.Add(arg);
                if (stopAtFirstOperand)
                {
                    return new ParsedArguments(operands, seen, null, i + 1);
                }

                continue;
            }

            if (arg == "--")
            {
                afterDoubleDash = true;
                continue;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? arg : arg[..equals];
                var inlineValue = equals < 0 ? null : arg[(equals + 1)..];
                seen.Add(name);

                if (Refused.TryGetValue(name, out var refusal))
                {
                    return Fail(refusal);
                }

                if (PathOptions.Contains(name))
                {
                    var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : null);
                    if (value is not null && paths.Check(value, PathUse.Read) is { } error)
                    {
                        return Fail(error);
                    }
                }
                else if (inlineValue is null && ValueOptions.Contains(name))
                {
                    i++;
                }

                continue;
            }

            // A cluster of short options such as -rf, or -n5 where the rest is the value.
            for (var j = 1; j < arg.Length; j++)
            {
                var name = "-" + arg[j];
                seen.Add(name);
                if (Refused.TryGetValue(name, out var refusal))
                {
                    return Fail(refusal);
                }

                var attached = j + 1 < arg.Length ? arg[(j + 1)..] : null;
                if (PathOptions.Contains(name))
                {
                    var value = attached ?? (i + 1 < args.Count ? args[++i] : null);
                    if (value is not null && paths.Check(value, PathUse.Read) is { } error)
                    {
                        return Fail(error);
                    }

                    break;
                }

                if (ValueOptions.Contains(name))
                {
                    if (attached is null)
                    {
                        i++;
                    }

                    break;
                }
            }
        }

        return new ParsedArguments(operands, seen, null, args.Count);

        ParsedArguments Fail(string error) => new([], seen, error, args.Count);
    }

    /// <summary>Parses the arguments from <paramref name="start"/> and checks every operand as a file the program reads.</summary>
    public string? Check(IReadOnlyList<string> args, int start, ProjectPaths paths)
    {
        var parsed = Parse(args, start, paths);
        return parsed.Error ?? OperandPaths.Check(parsed.Operands, paths, PathUse.Read);
    }

    public static FrozenSet<string> Set(params string[] items) => FrozenSet.Create(StringComparer.Ordinal, items);

    public static FrozenSet<string> WithCommonPaths(params string[] items) =>
        CommonPathOptions.Concat(items).ToFrozenSet(StringComparer.Ordinal);

    public static FrozenDictionary<string, string> Refusals(params (string Option, string Reason)[] items) =>
        items.ToFrozenDictionary(i => i.Option, i => i.Reason, StringComparer.Ordinal);
}
