using Kiln.Events;
using Kiln.Projects;
using Kiln.Versions;

namespace Kiln.Agents;

/// <summary>
/// At start, before any generation runs: a generation that was queued or running when the process died is
/// marked <c>interrupted</c> (with an event saying so), never left <c>generating</c>, and what it wrote becomes a
/// version with that outcome, as the end of a generation that stopped on its own does. Not where instances share
/// projects (<see cref="IProjectPlacement.IsShared"/>): there the others' generations are running, and the fleet says
/// so of a project only when its owner is really gone.
/// </summary>
public sealed partial class ProjectRecovery(
    IProjectStore store, IProjectPlacement placement, EventLog events, VersionHistory versions, TimeProvider time, ILogger<ProjectRecovery> logger)
    : IHostedService
{
    public const string Reason = "Kiln stopped before this generation finished. Send the prompt again to continue.";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (placement.IsShared)
        {
            return;
        }

        foreach (var project in await store.ListAsync(cancellationToken))
        {
            if (!project.Status.IsBusy())
            {
                continue;
            }

            var now = time.GetUtcNow();
            var interrupted = await store.UpdateAsync(project.Id, current => current.Status.IsBusy()
                ? current with { Status = ProjectStatus.Interrupted, Error = Reason, UpdatedAt = now, FinishedAt = now }
                : current, cancellationToken);
            if (interrupted?.Status == ProjectStatus.Interrupted)
            {
                // Only a run that had started wrote anything; a queued one leaves the app as the last version has it.
                if (project.Status == ProjectStatus.Generating)
                {
                    await versions.RecordGenerationAsync(project.Id, ProjectStatus.Interrupted, cancellationToken);
                }

                await events.AppendAsync(project.Id, new ErrorOccurred(Reason), cancellationToken);
                await events.AppendAsync(project.Id, new StatusChanged(ProjectStatus.Interrupted, Reason), cancellationToken);
                LogInterrupted(logger, project.Id, project.Status);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Project {ProjectId} was {Status} when Kiln last stopped; marked interrupted")]
    private static partial void LogInterrupted(ILogger logger, string projectId, ProjectStatus status);
}
