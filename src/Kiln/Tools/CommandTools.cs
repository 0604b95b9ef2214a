using System.Collections.Frozen;
using System.ComponentModel;
using System.Text.Json;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kiln.Tools;

/// <summary>
/// The execution tools: one command at a time, installs and builds, each run in the sandbox inside the app
/// directory, with its output streamed as <c>command_output</c> events and returned, cut to a size a model can read.
/// </summary>
[McpServerToolType]
public sealed class CommandTools(
    ToolContext context,
    ProjectCommandRunner commands,
    CommandPolicy policy,
    IOptions<SandboxOptions> sandbox,
    IOptions<ToolsOptions> tools,
    ProjectBuild build,
    DependencyInstaller installer)
{
    /// <summary>Lines of a failed build's output the model gets back: enough for the errors, not the whole log.</summary>
    public const int BuildErrorLines = ProjectBuild.ErrorLines;

    private const int SummaryLines = 15;

    /// <summary>Package-manager sub-commands that change node_modules; they must use the shared store, so install_dependencies runs them.</summary>
    private static readonly FrozenSet<string> InstallCommands = FrozenSet.Create(StringComparer.Ordinal,
        "install", "i", "ci", "add", "remove", "rm", "uninstall", "un", "update", "up", "upgrade");

    [McpServerTool(Name = "run_command", Destructive = true, OutputSchemaType = typeof(CommandOutcome))]
    [Description("Runs one program in the app directory inside Kiln's sandbox and returns its exit code, duration, whether it was killed, " +
                 "and its output (long output is cut in the middle, and says so). The command is split into arguments with POSIX quoting " +
                 "('single', \"double\", backslash) but no shell runs it: pipes, redirections, ';', '&&', '$(...)', backticks and " +
                 "variables are refused, and globs are not expanded. A command that takes the project past its disk quota or file limit is stopped. Only allowed programs run (package managers' run/exec/test, node on a " +
                 "script file, git read-only commands, ls, cat, grep, find, mkdir, cp, mv, rm, touch, tsc, vite, next, eslint, prettier, " +
                 "and npx of a few known packages); paths must stay inside the app. Standard input is empty. Use install_dependencies " +
                 "to add packages and build_project to build.")]
    public async Task<CallToolResult> RunCommand(
        [Description("The command line, for example \"pnpm run test\", \"ls -la src\" or \"node scripts/check.mjs\".")] string command,
        [Description("Directory to run in, relative to the app directory; the app directory itself when omitted.")] string? cwd = null,
        [Description("Wall-clock limit in seconds (default 120, at most 900). When it passes, the command and everything it started are killed.")] int? timeout_seconds = null,
        CancellationToken cancellationToken = default)
    {
        var split = CommandLine.Split(command ?? "");
        if (!split.Succeeded)
        {
            throw new McpException($"Refused: {split.Error}");
        }

        var argv = split.Argv!;
        var workingDirectory = context.App.Resolve(cwd, allowRoot: true);
        if (!Directory.Exists(workingDirectory))
        {
            throw new McpException($"cwd '{cwd}' is not a directory of the app; create it with create_directory, or omit cwd to run in the app directory.");
        }

        var decision = policy.Evaluate(argv, context.App.Root, workingDirectory);
        if (!decision.Allowed)
        {
            throw new McpException($"Refused: {decision.Reason}");
        }

        if (InstallRefusal(argv) is { } refusal)
        {
            throw new McpException($"Refused: {refusal}");
        }

        var limits = sandbox.Value;
        if (timeout_seconds is { } requested && (requested < 1 || requested > limits.MaxTimeoutSeconds))
        {
            throw new McpException($"timeout_seconds must be between 1 and {limits.MaxTimeoutSeconds}; {requested} is not.");
        }

        var timeout = TimeSpan.FromSeconds(timeout_seconds ?? limits.DefaultTimeoutSeconds);
        var spec = await commands.WithAppEnvironmentAsync(context, commands.Spec(context, argv, workingDirectory, timeout), cancellationToken);
        var run = await commands.RunAsync(context, spec, command, cancellationToken);
        var text = CommandReport.Describe(command!, run.Result, run.Output, tools.Value.MaxCommandOutputChars, timeout);
        return new CallToolResult
        {
            IsError = !run.Succeeded,
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = JsonSerializer.SerializeToElement(
                new CommandOutcome(
                    run.Result.ExitCode, (long)run.Result.Duration.TotalMilliseconds,
                    run.Result.TimedOut || run.Result.Cancelled || run.Result.QuotaExceeded is not null || run.Result.ProcessLimitReached,
                    run.Result.TimedOut, run.Result.OutputTruncated, run.Result.QuotaExceeded is not null),
                ToolsJsonContext.Default.CommandOutcome),
        };
    }

    [McpServerTool(Name = "install_dependencies", Destructive = true, OpenWorld = true)]
    [Description("Installs the app's dependencies from package.json, or adds the named packages to it (and installs them). Uses pnpm with " +
                 "Kiln's shared package store (npm when pnpm is absent), offline when the store already has the packages; a registry failure " +
                 "that may pass is retried. Install scripts do not run. To remove a package, delete it from package.json and call this again.")]
    public async Task<CallToolResult> InstallDependencies(
        [Description("Packages to add, each a registry name with an optional version or tag, e.g. [\"react-router\", \"zod@3\"]. Omit to install what package.json lists.")] string[]? packages = null,
        [Description("Add the packages as devDependencies (build and test tools) instead of dependencies. Default false.")] bool? dev = null,
        CancellationToken cancellationToken = default)
    {
        RequirePackageJson("install its dependencies");
        var specs = (packages ?? []).Select(p => (p ?? "").Trim()).ToList();
        foreach (var spec in specs)
        {
            if (PackageManager.CheckPackageSpec(spec) is { } error)
            {
                throw new McpException(error);
            }
        }

        var outcome = await installer.InstallAsync(context, specs, dev ?? false, cancellationToken);
        return Result(!outcome.Succeeded, outcome.Report);
    }

    [McpServerTool(Name = "build_project", Destructive = true)]
    [Description("Builds the app with its package.json \"build\" script (for example 'vite build' or 'next build') and reports the result. " +
                 "When the build fails, the last 60 lines of its output come back so the errors can be fixed. A static app without " +
                 "package.json needs no build.")]
    public async Task<CallToolResult> BuildProject(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(context.App.Root, "package.json")))
        {
            return Result(false, "The app is static (there is no package.json), so it needs no build: its files are served as they are " +
                                 $"at /api/projects/{context.ProjectId}/preview/.");
        }

        if (ProjectBuild.Refusal(context.App.Root) is { } refusal)
        {
            throw new McpException(refusal);
        }

        var run = await build.RunAsync(context, cancellationToken);
        if (run.Succeeded)
        {
            return Result(false, $"The build succeeded in {CommandReport.Seconds(run.Result.Duration)}.\n" +
                                 $"Last lines of '{run.Display}':\n{CommandReport.LastLines(run.Output, SummaryLines)}");
        }

        return Result(true, $"The build failed ({build.HowItFailed(run)}, {CommandReport.Seconds(run.Result.Duration)}). Fix the errors below, then call build_project again.\n" +
                            $"The last {BuildErrorLines} lines of '{run.Display}':\n{CommandReport.LastLines(run.Output, BuildErrorLines)}");
    }

    /// <summary>Install-like package-manager commands belong to install_dependencies, which gives them the shared store.</summary>
    private static string? InstallRefusal(IReadOnlyList<string> argv)
    {
        if (argv[0] is not ("pnpm" or "npm" or "yarn"))
        {
            return null;
        }

        var subCommand = argv.Skip(1).FirstOrDefault(argument => !argument.StartsWith('-'));
        return subCommand is not null && InstallCommands.Contains(subCommand)
            ? $"'{argv[0]} {subCommand}' changes the installed packages; call install_dependencies instead (with packages to add them). " +
              "To remove a package, delete it from package.json with edit_file and call install_dependencies."
            : null;
    }

    private void RequirePackageJson(string toDo)
    {
        if (!File.Exists(Path.Combine(context.App.Root, "package.json")))
        {
            throw new McpException($"There is no package.json in the app directory, so there is nothing to {toDo}. " +
                                   "Scaffold an app first (create_vite_app, create_next_app) or write a package.json.");
        }
    }

    private static CallToolResult Result(bool isError, string text) =>
        new() { IsError = isError, Content = [new TextContentBlock { Text = text }] };
}
