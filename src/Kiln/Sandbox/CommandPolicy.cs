using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Kiln.Sandbox;

/// <summary>
/// Decides whether an argv the model asked for may run: the program and its sub-command must be
/// on the allowlist, code given inline is refused, and every path-like argument must stay inside
/// the app directory. This is the first layer; scripts the project itself runs (package.json
/// scripts, build tools) are code it owns and are contained by the process sandbox, not by this.
/// Each family of programs has its own rules (<see cref="PackageManagerRules"/>, <see cref="NodeRules"/>,
/// <see cref="GitRules"/>, <see cref="InterpreterRules"/>, <see cref="FileToolRules"/>); this is the one entry.
/// </summary>
public sealed class CommandPolicy
{
    private const int MaxNesting = 3;

    private readonly ProgramAllowlist _allowlist;
    private readonly PackageManagerRules _packageManagers;

    public CommandPolicy(IOptions<SandboxOptions> options)
    {
        _allowlist = new ProgramAllowlist(options.Value);
        _packageManagers = new PackageManagerRules(_allowlist, EvaluateProgram);
    }

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
            return "the command nests too many runners; " + NeverAllowedPrograms.RunDirectly + ".";
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

        if (NeverAllowedPrograms.TryGetReason(program, out var never))
        {
            return never;
        }

        var allowed = _allowlist.SubCommands(program);
        if (allowed is null)
        {
            return $"'{program}' is not an allowed program. Allowed programs: {string.Join(", ", _allowlist.Programs())}.";
        }

        return program switch
        {
            "pnpm" or "npm" or "yarn" => _packageManagers.Evaluate(program, argv, allowed, paths, nesting),
            "npx" => _packageManagers.PackageRun("npx", argv, 1, paths),
            "node" => NodeRules.Evaluate(argv, paths),
            "git" => GitRules.Evaluate(argv, allowed, paths),
            _ => OtherProgram(program, argv, allowed, paths),
        };
    }

    /// <summary>Any other allowed program: its configured sub-commands, then inline code, then its paths.</summary>
    private static string? OtherProgram(string program, IReadOnlyList<string> argv, FrozenSet<string> allowed, ProjectPaths paths)
    {
        if (allowed.Count > 0)
        {
            var first = argv.Skip(1).FirstOrDefault(a => !a.StartsWith('-'));
            if (first is null)
            {
                return $"{program} needs a sub-command: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.";
            }

            if (ProgramAllowlist.SubCommandRefusal(program, first, allowed) is { } refusal)
            {
                return refusal;
            }
        }

        return InterpreterRules.Evaluate(program, argv) ?? FileToolRules.Evaluate(program, argv, paths);
    }
}
