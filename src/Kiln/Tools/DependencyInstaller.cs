using Microsoft.Extensions.Options;

namespace Kiln.Tools;

/// <summary>How an install ended, in words the model can act on.</summary>
public sealed record InstallOutcome(bool Succeeded, string Report);

/// <summary>
/// The one way an app's dependencies are installed: by <c>install_dependencies</c>, by a publish's build, and by <c>start_dev_server</c> when
/// it finds a package.json and no node_modules (a scaffold cut short, a model that forgot), so that neither the model
/// nor the preview is left with "the dependencies are not installed".
/// </summary>
public sealed class DependencyInstaller(ProjectCommandRunner commands, PackageManager packageManager, IOptions<PackagesOptions> options)
{
    private const int SummaryLines = 15;

    /// <summary>Installs what package.json lists, or adds <paramref name="specs"/> (checked already) to it.</summary>
    public async Task<InstallOutcome> InstallAsync(ToolContext context, IReadOnlyList<string> specs, bool dev, CancellationToken cancellationToken)
    {
        if (specs.Count == 0 && InstalledDependencies.AreCurrent(context.App.Root))
        {
            return new InstallOutcome(true, "The app's dependencies are already installed: its node_modules came with the template and still matches " +
                                            "package.json and the lockfile, so there was nothing to do.");
        }

        var run = await RunAsync(context, specs, dev, cancellationToken);
        var what = specs.Count == 0 ? "the app's dependencies" : string.Join(", ", specs) + (dev ? " (dev)" : "");
        var attempts = run.Attempts > 1 ? $" after {run.Attempts} attempts" : "";
        if (run.Succeeded)
        {
            return new InstallOutcome(true, $"Installed {what} with {packageManager.Name} in {CommandReport.Seconds(run.Result.Duration)}{attempts}.\n" +
                                            $"Last lines of '{run.Display}':\n{CommandReport.LastLines(run.Output, SummaryLines)}");
        }

        return new InstallOutcome(false, $"Installing {what} with {packageManager.Name} failed{attempts} " +
                                         $"({(run.Result.QuotaExceeded is { } quota ? $"it was stopped: {CommandReport.QuotaStop(quota)}" : run.Result.TimedOut ? "it timed out" : $"exit code {run.Result.ExitCode}")}). " +
                                         $"Check the package names and versions. Last lines of '{run.Display}':\n{CommandReport.LastLines(run.Output, CommandTools.BuildErrorLines)}");
    }

    /// <summary>Runs the package manager's install in the sandbox, with retries for the registry's hiccups.</summary>
    public async Task<CommandRun> RunAsync(ToolContext context, IReadOnlyList<string> specs, bool dev, CancellationToken cancellationToken)
    {
        var install = packageManager.Install(specs, dev);
        try
        {
            return await commands.RunWithRetriesAsync(
                context,
                commands.Spec(context, install.Argv, context.App.Root, TimeSpan.FromSeconds(options.Value.InstallTimeoutSeconds),
                    packageManager.SharedCaches(), installs: true),
                install.Display,
                cancellationToken);
        }
        finally
        {
            // Whatever the package manager did, only it knows now what node_modules holds.
            InstalledDependencies.Forget(context.App.Root);
        }
    }
}
