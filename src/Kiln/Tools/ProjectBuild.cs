using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Kiln.Events;
using Kiln.Preview;
using Kiln.Projects;
using Kiln.Sites;
using Microsoft.Extensions.Options;

namespace Kiln.Tools;

/// <summary>
/// A build of the app with its package.json "build" script, in the sandbox, its output streamed as
/// <c>command_output</c>: the one way <c>build_project</c> and publishing build. A failed build becomes one open error
/// of the app (for "Fix it" and the agent); a build that succeeds clears the compile errors it made out of date.
/// </summary>
public sealed class ProjectBuild(
    ProjectCommandRunner commands,
    PackageManager packageManager,
    IOptions<PackagesOptions> packageOptions,
    DependencyInstaller installer,
    PreviewErrors previewErrors,
    ProjectWorkspace workspace,
    EventLog events) : IAppBuilder
{
    /// <summary>Lines of a failed build's output that come back: enough for the errors, not the whole log.</summary>
    public const int ErrorLines = 60;

    private static readonly IReadOnlySet<PreviewErrorSource> CompileErrorSources = FrozenSet.Create(PreviewErrorSource.Build, PreviewErrorSource.DevServer);

    public TimeSpan Timeout => TimeSpan.FromSeconds(packageOptions.Value.BuildTimeoutSeconds);

    /// <summary>Why the app in <paramref name="appRoot"/> (which has a package.json) cannot be built now, as the model reads it, or null.</summary>
    public static string? Refusal(string appRoot)
    {
        var (script, jsonError) = ReadBuildScript(Path.Combine(appRoot, "package.json"));
        return script switch
        {
            BuildScript.Invalid => $"package.json is not valid JSON ({jsonError}); fix it with write_file or edit_file.",
            BuildScript.Missing => "package.json has no \"build\" script. Add one (for example \"build\": \"vite build\") with edit_file, then call build_project again.",
            _ when !Directory.Exists(Path.Combine(appRoot, ProtectedDirectories.ModulesDirectory)) =>
                "The dependencies are not installed (there is no node_modules). Call install_dependencies, then build_project again.",
            _ => null,
        };
    }

    /// <summary>Runs the build, and reports a failure as an open error of the app or clears the compile errors a success outdated.</summary>
    public async Task<CommandRun> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        var build = packageManager.RunScript("build");
        var spec = await commands.WithAppEnvironmentAsync(context, commands.Spec(context, build.Argv, context.App.Root, Timeout), cancellationToken);
        var run = await commands.RunAsync(context, spec, build.Display, cancellationToken);
        if (run.Result.Cancelled)
        {
            return run; // Stopped from outside: says nothing about the code.
        }

        if (run.Succeeded)
        {
            // The code compiles: compile errors collected before are out of date. The page's own errors may remain.
            await previewErrors.ClearAsync(context.ProjectId, "build_succeeded", CompileErrorSources, CancellationToken.None);
        }
        else
        {
            await ReportErrorAsync(context, run);
        }

        return run;
    }

    /// <summary>How a failed build ended, as a clause: "exit code 1", "it timed out…", "it was stopped: …".</summary>
    public string HowItFailed(CommandRun run) =>
        run.Result.QuotaExceeded is { } quota ? $"it was stopped: {CommandReport.QuotaStop(quota)}"
        : run.Result.TimedOut
        ? $"it ran past its {CommandReport.Seconds(Timeout)} limit and was stopped"
        : $"exit code {run.Result.ExitCode.ToString(CultureInfo.InvariantCulture)}";

    async Task<AppBuildOutcome> IAppBuilder.BuildAsync(string projectId, CancellationToken cancellationToken)
    {
        var context = new ToolContext(
            projectId, new AppDirectory(workspace.AppDirectory(projectId)), events, new FileProvenance(workspace.ScaffoldManifest(projectId)));
        var (script, jsonError) = ReadBuildScript(Path.Combine(context.App.Root, "package.json"));
        if (script != BuildScript.Present)
        {
            return new AppBuildOutcome(false, script == BuildScript.Invalid
                ? $"package.json is not valid JSON ({jsonError}), so the app cannot be built. Fix it, or ask the agent to."
                : "package.json has no \"build\" script, so the app cannot be built. Add one (for example \"build\": \"vite build\"), or ask the agent to.", "");
        }

        if (!Directory.Exists(Path.Combine(context.App.Root, ProtectedDirectories.ModulesDirectory)))
        {
            // A published app is built the way a host would build it: a fresh checkout installs first.
            var installed = await installer.RunAsync(context, [], dev: false, cancellationToken);
            if (!installed.Succeeded)
            {
                return new AppBuildOutcome(false, $"Installing the app's dependencies with {packageManager.Name} failed, so it was not built. Check package.json's dependencies.",
                    CommandReport.LastLines(installed.Output, ErrorLines));
            }
        }

        var run = await RunAsync(context, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var lastLines = CommandReport.LastLines(run.Output, ErrorLines);
        return run.Succeeded
            ? new AppBuildOutcome(true, $"The build succeeded in {CommandReport.Seconds(run.Result.Duration)}.", lastLines)
            : new AppBuildOutcome(false, $"The build failed ({HowItFailed(run)}, {CommandReport.Seconds(run.Result.Duration)}). Fix the errors in its last lines, then publish again.", lastLines);
    }

    /// <summary>A failed build, as one error of the app for the agent and the web UI: its first error line and where.</summary>
    private async Task ReportErrorAsync(ToolContext context, CommandRun run)
    {
        var tail = CommandReport.LastLines(run.Output, ErrorLines);
        var message = run.Result.QuotaExceeded is { } quota ? $"The build was stopped: {quota.Describe()}."
            : run.Result.TimedOut
            ? "The build did not finish within its time limit."
            : ErrorText.BuildErrorLine(tail.Split('\n')) ?? $"The build failed with exit code {run.Result.ExitCode.ToString(CultureInfo.InvariantCulture)}.";
        var place = ErrorText.FindLocation(message, context.App.Root) ?? ErrorText.FindLocation(tail, context.App.Root);
        await previewErrors.ReportAsync(
            context.ProjectId,
            new PreviewErrorReport(PreviewErrorSource.Build, message, place?.File, place?.Line, place?.Column, tail.Replace(context.App.Root + "/", "", StringComparison.Ordinal)),
            CancellationToken.None);
    }

    private static (BuildScript Script, string? JsonError) ReadBuildScript(string manifest)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(manifest));
            var hasBuild = document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("scripts", out var scripts)
                && scripts.ValueKind == JsonValueKind.Object
                && scripts.TryGetProperty("build", out var build)
                && build.ValueKind == JsonValueKind.String;
            return (hasBuild ? BuildScript.Present : BuildScript.Missing, null);
        }
        catch (JsonException exception)
        {
            return (BuildScript.Invalid, exception.Message);
        }
    }

    private enum BuildScript
    {
        Present,
        Missing,
        Invalid,
    }
}
