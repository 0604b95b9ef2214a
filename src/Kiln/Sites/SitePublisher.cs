using System.Collections.Concurrent;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Sandbox;
using Kiln.Versions;

namespace Kiln.Sites;

/// <summary>
/// Publishes a project's app (DESIGN.md section 11): builds it in the sandbox (a static app without package.json is
/// published as its files are), stores the output as the next immutable release and serves it; activates an older
/// release again; takes the site down. A failed build publishes nothing and leaves the site as it was. One publish of
/// a project at a time.
/// </summary>
public sealed class SitePublisher(
    ReleaseStore releases,
    IAppBuilder builder,
    VersionHistory history,
    ProjectWorkspace workspace,
    EventLog events,
    SiteOrigin origin,
    TimeProvider time,
    ILogger<SitePublisher> logger) : IProjectStateHolder
{
    /// <summary>Where the build tools a Kiln app may use write their output, in the order they are looked for.</summary>
    private static readonly string[] BuildOutputDirectories = ["dist", "out", "build"];

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<PublishResult> PublishAsync(string projectId, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        var gate = _gates.GetOrAdd(projectId, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            return new PublishResult.AlreadyPublishing();
        }

        try
        {
            var version = await LatestVersionAsync(projectId, cancellationToken);
            await events.AppendAsync(projectId, new PublishStarted(version), CancellationToken.None);
            var staging = releases.Stage(projectId);
            try
            {
                if (await FillAsync(projectId, staging, cancellationToken) is { } failure)
                {
                    logger.PublishFailed(failure.Message);
                    await events.AppendAsync(projectId, new PublishFailed(failure.Message, failure.LastLines is "" ? null : failure.LastLines), CancellationToken.None);
                    return failure;
                }

                var release = await releases.CommitAsync(projectId, staging, version, time.GetUtcNow(), cancellationToken);
                await releases.SetActiveAsync(projectId, release.Number, cancellationToken);
                return await AnnounceAsync(projectId, release with { Active = true });
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The request went away mid-build: nothing was published, and the event stream says so.
                await events.AppendAsync(projectId, new PublishFailed("Publishing was cancelled before it finished; the site is as it was.", null), CancellationToken.None);
                throw;
            }
            finally
            {
                ReleaseStore.Discard(staging);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Serves <paramref name="release"/> again; null when the project has no such release.</summary>
    public async Task<PublishResult.Done?> ActivateAsync(string projectId, int release, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        if (!releases.Exists(projectId, release))
        {
            return null;
        }

        await releases.SetActiveAsync(projectId, release, cancellationToken);
        logger.Activated(release);
        return await AnnounceAsync(projectId, releases.List(projectId).Single(r => r.Number == release));
    }

    /// <summary>Stops serving the site; its releases stay, so one can be activated again. False when nothing was served.</summary>
    public async Task<bool> TakeDownAsync(string projectId, CancellationToken cancellationToken)
    {
        using var scope = ProjectLogScope.Begin(logger, projectId);
        if (releases.Active(projectId) is null)
        {
            return false;
        }

        await releases.SetActiveAsync(projectId, null, cancellationToken);
        logger.TakenDown();
        return true;
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        // The releases go with the project's directory; a publish still running holds its own reference to the gate.
        _gates.TryRemove(projectId, out _);
        return ValueTask.CompletedTask;
    }

    private async Task<PublishResult.Done> AnnounceAsync(string projectId, SiteRelease release)
    {
        var url = origin.UrlFor(projectId);
        logger.Published(release.Number, release.Version, url);
        await events.AppendAsync(projectId, new Published(release.Number, release.Version, url.ToString()), CancellationToken.None);
        return new PublishResult.Done(release, url);
    }

    /// <summary>Puts what the release will serve into <paramref name="staging"/>: the build's output, or the static app's files.</summary>
    private async Task<PublishResult.Failed?> FillAsync(string projectId, Staging staging, CancellationToken cancellationToken)
    {
        var app = workspace.AppDirectory(projectId);
        if (!File.Exists(Path.Combine(app, "package.json")))
        {
            if (!File.Exists(Path.Combine(app, "index.html")))
            {
                return new PublishResult.Failed("The app has no index.html and no package.json, so there is nothing to publish. Generate an app first.", "");
            }

            SiteFiles.Copy(app, staging.Files, staticApp: true);
            return null;
        }

        var build = await builder.BuildAsync(projectId, cancellationToken);
        if (!build.Succeeded)
        {
            return new PublishResult.Failed(build.Message, build.LastLines);
        }

        var output = BuildOutputDirectories.Select(name => Path.Combine(app, name))
            .FirstOrDefault(directory => File.Exists(Path.Combine(directory, "index.html")) && new DirectoryInfo(directory).LinkTarget is null);
        if (output is null)
        {
            return new PublishResult.Failed(
                $"The build succeeded but wrote no index.html to {string.Join(", ", BuildOutputDirectories.Select(name => name + "/"))}, so there is nothing to serve. " +
                "A site is static files: for Next.js set output: 'export' in next.config.", build.LastLines);
        }

        SiteFiles.Copy(output, staging.Files, staticApp: false);
        return null;
    }

    private async Task<int?> LatestVersionAsync(string projectId, CancellationToken cancellationToken)
    {
        try
        {
            return (await history.ListAsync(projectId, cancellationToken)) is [.., var latest] ? latest.Number : null;
        }
        catch (Exception exception) when (exception is VersionHistoryException or SandboxUnavailableException or IOException)
        {
            return null; // A release without a version number is still a release.
        }
    }
}
