using Kiln.Events;
using Kiln.Projects;
using Kiln.Sandbox;
using Microsoft.Extensions.Options;

namespace Kiln.Tools;

/// <summary>A command a tool runs for a project, as the model will read about it.</summary>
/// <param name="Display">The command line shown in events and results.</param>
/// <param name="Result">How it ended.</param>
/// <param name="Output">Its output with colour codes removed.</param>
/// <param name="Attempts">How many times it ran (more than one after a registry failure).</param>
public sealed record CommandRun(string Display, ProcessResult Result, string Output, int Attempts)
{
    public bool Succeeded => Result is { ExitCode: 0, TimedOut: false, Cancelled: false, QuotaExceeded: null };
}

/// <summary>
/// Runs the commands of a project's tools in the sandbox: the app directory is writable (its <c>.git</c> is not),
/// the package manager's environment is set, the project's disk quota is watched while it runs, and the output
/// streams to the project's events as it arrives.
/// Every process a tool starts goes through here to <see cref="SandboxedProcessRunner"/>.
/// </summary>
public sealed class ProjectCommandRunner(
    SandboxedProcessRunner runner,
    EventLog events,
    PackageManager packages,
    PackageRegistry registry,
    ProjectDiskUsage disk,
    ProjectEnvironment environment,
    ProjectWorkspace workspace,
    IOptions<ToolsOptions> tools,
    IOptions<PackagesOptions> packageOptions,
    TimeProvider time,
    ILogger<ProjectCommandRunner> logger)
{
    /// <summary>
    /// A spec for a command in the project: the app directory, plus <paramref name="writable"/>, may be written, except
    /// <see cref="ProtectedDirectories"/>; an install (<paramref name="installs"/>) may also write the packages' files.
    /// The project may hold at most <see cref="ProjectDiskUsage.MaxBytes"/> and <see cref="ToolsOptions.MaxFiles"/> files
    /// while it runs.
    /// </summary>
    public ProcessSpec Spec(
        ToolContext context, IReadOnlyList<string> argv, string workingDirectory, TimeSpan? timeout, IReadOnlyList<string>? writable = null, bool installs = false) =>
        new(argv, workingDirectory, [context.App.Root, .. writable ?? []])
        {
            Timeout = timeout,
            Environment = packages.Environment(),
            ReadOnlyDirectories = ProtectedDirectories.Of(context.App.Root, installs),
            DiskQuota = disk.QuotaFor(context.ProjectId, tools.Value.MaxFiles),
            PidDirectory = workspace.PidDirectory(context.ProjectId),
        };

    /// <summary>
    /// <paramref name="spec"/> with the project's own variables and secrets, for a command that runs the app's code on its
    /// owner's behalf (run_command, a build); an install, which reaches the registry and runs packages' scripts, never gets them.
    /// </summary>
    public async Task<ProcessSpec> WithAppEnvironmentAsync(ToolContext context, ProcessSpec spec, CancellationToken cancellationToken) =>
        spec with { ProjectVariables = (await environment.ForProcessesAsync(context.ProjectId, cancellationToken)).Variables };

    /// <summary>
    /// Runs a command once, streaming its output as <c>command_output</c> events; <paramref name="display"/> is the
    /// command as events and results show it (its argv, quoted, by default).
    /// </summary>
    public async Task<CommandRun> RunAsync(ToolContext context, ProcessSpec spec, string? display, CancellationToken cancellationToken)
    {
        display ??= PackageManager.Display(spec.Argv);
        // Whatever the command was given, a secret it prints reaches neither the events nor the model.
        var redactor = (await environment.ForProcessesAsync(context.ProjectId, cancellationToken)).Redactor;
        var stream = new CommandOutputStream(events, context.ProjectId, display, tools.Value.MaxStreamedOutputBytes, time);
        ProcessResult result;
        var inBinary = false;
        try
        {
            result = await runner.RunAsync(spec, StreamLineAsync, cancellationToken);
        }
        finally
        {
            await stream.CompleteAsync();
            // What the command changed is seen by a walk, not by the file tools' arithmetic.
            disk.Invalidate(context.ProjectId);
        }

        return new CommandRun(display, result, redactor.Redact(CommandReport.HideBinary(CommandReport.StripAnsi(result.Output))), 1);

        // A run of binary lines streams as one note, not as raw bytes.
        ValueTask StreamLineAsync(string line, CancellationToken token)
        {
            if (CommandReport.IsBinary(line))
            {
                var first = !inBinary;
                inBinary = true;
                return first ? stream.WriteLineAsync(CommandReport.BinaryNote, token) : ValueTask.CompletedTask;
            }

            inBinary = false;
            return stream.WriteLineAsync(redactor.Redact(CommandReport.StripAnsi(line)), token);
        }
    }

    /// <summary>
    /// Runs a command that talks to the registry, again after a failure that looks transient
    /// (<see cref="PackageManager.IsTransientFailure"/>), waiting longer each time; each retry is announced in the
    /// command's output so the model and the client see why it took longer. It is the only kind of command that
    /// reaches out of its sandbox, to the registry alone (<see cref="PackageRegistry"/>).
    /// </summary>
    public async Task<CommandRun> RunWithRetriesAsync(ToolContext context, ProcessSpec spec, string display, CancellationToken cancellationToken)
    {
        spec = spec with { Egress = await registry.EgressAsync(cancellationToken) };
        var options = packageOptions.Value;
        var delay = TimeSpan.FromSeconds(options.InstallRetryDelaySeconds);
        for (var attempt = 1; ; attempt++)
        {
            var run = await RunAsync(context, spec, display, cancellationToken) with { Attempts = attempt };
            if (run.Succeeded || run.Result.TimedOut || run.Result.Cancelled || run.Result.QuotaExceeded is not null || attempt >= options.InstallAttempts
                || !PackageManager.IsTransientFailure(run.Output))
            {
                return run;
            }

            logger.RetryingAfterRegistryFailure(run.Display, attempt + 1, options.InstallAttempts, delay);
            await events.AppendAsync(
                context.ProjectId,
                new CommandOutput(run.Display, $"[the registry failed in a way that may pass; retrying in {CommandReport.Seconds(delay)} (attempt {attempt + 1} of {options.InstallAttempts})]\n"),
                CancellationToken.None);
            await Task.Delay(delay, time, cancellationToken);
            delay *= 2;
        }
    }
}
