using System.Collections.Concurrent;
using System.Globalization;
using Kiln.Projects;
using Kiln.Versions;
using StackExchange.Redis;

namespace Kiln.Fleet;

/// <summary>
/// A project's durable state kept off its owner's disk, so that each instance has its own disk and a new owner restores
/// the project (DESIGN.md section 10): its versions repository as a git bundle, the app's files checked out at the latest
/// version, and Kiln's own files (<see cref="ReplicaFiles"/>). Metadata, prompts, events, env and secrets are in the store
/// already. Written at each version and whenever a release or the git settings change (<see cref="PublishAsync"/>, the
/// one write); restored by a new owner whose copy is missing or older (<see cref="RestoreAsync"/>). Alone (SQLite) there
/// is nothing to replicate to: both do nothing.
/// </summary>
public sealed class ProjectReplica(
    ProjectWorkspace workspace, AppRepository repository, TimeProvider time, ILogger<ProjectReplica> logger, ReplicaStore? store = null)
    : IDurableStateReplica, IProjectStateHolder
{
    /// <summary>The stamp of the replica this disk's copy equals, in the project's directory (never in the app).</summary>
    public const string StampFileName = "replica-stamp";

    private const string RestoringDirectoryName = ".replica-restoring";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    Task IDurableStateReplica.ChangedAsync(string projectId, CancellationToken cancellationToken) => PublishAsync(projectId, cancellationToken);

    /// <summary>
    /// Writes what this disk holds of the project to its replica, whole, and records its stamp here. Every write of a
    /// replica goes through this method. A failure is logged and leaves the replica as it was: the work is kept here.
    /// </summary>
    public async Task PublishAsync(string projectId, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return;
        }

        using var scope = ProjectLogScope.Begin(logger, projectId);
        var gate = Gate(projectId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var directory = workspace.ProjectDirectory(projectId);
            if (!Directory.Exists(directory))
            {
                return; // Deleted meanwhile.
            }

            var started = time.GetTimestamp();
            var app = workspace.AppDirectory(projectId);
            var (headRef, head, versions, bundle) = await BundleAsync(app, cancellationToken);
            var files = await ReplicaFiles.PackAsync(directory, cancellationToken);
            var manifest = new ReplicaManifest(Guid.NewGuid().ToString("N"), headRef, head, versions, time.GetUtcNow());
            await store.PutAsync(projectId, new ReplicaSnapshot(manifest, bundle, files), cancellationToken);
            await AtomicFile.WriteAllBytesAsync(StampFile(projectId), System.Text.Encoding.UTF8.GetBytes(manifest.Stamp), cancellationToken);
            var took = (long)time.GetElapsedTime(started).TotalMilliseconds;
            logger.Replicated(versions, bundle.Length, files.Length, took);
        }
        catch (Exception exception) when (exception is RedisException or VersionHistoryException or IOException or UnauthorizedAccessException
                                              or OwnershipLostException) // Taken over: the successor's replica stands, and this owner is stopping.
        {
            logger.ReplicaNotWritten(exception.Message);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Makes this disk's copy of the project the replica's when it is missing or older (its stamp is another): the
    /// versions repository from the bundle, the app's files at the latest version, Kiln's files. The copy is built beside
    /// the project and swapped in whole, so a failed restore leaves what was here. True when it restored.
    /// </summary>
    public async Task<bool> RestoreAsync(string projectId, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return false;
        }

        using var scope = ProjectLogScope.Begin(logger, projectId);
        var gate = Gate(projectId);
        await gate.WaitAsync(cancellationToken);
        var staging = Path.Combine(workspace.Root, RestoringDirectoryName, projectId + "-" + Guid.NewGuid().ToString("N"));
        try
        {
            var started = time.GetTimestamp();
            var manifest = await store.ManifestAsync(projectId, cancellationToken);
            if (manifest is null || LocalStamp(projectId) == manifest.Stamp || await store.GetAsync(projectId, cancellationToken) is not { } snapshot)
            {
                return false;
            }

            RemoveLeftovers(projectId);
            var app = Path.Combine(staging, ProjectWorkspace.AppDirectoryName);
            Directory.CreateDirectory(app);
            await repository.EnsureAsync(app, cancellationToken);
            if (snapshot.Manifest is { Head: { } head, HeadRef: { } headRef } && snapshot.Bundle.Length > 0)
            {
                await UnbundleAsync(app, snapshot.Bundle, headRef, head, cancellationToken);
            }

            await ReplicaFiles.UnpackAsync(snapshot.Files, staging, cancellationToken);
            Directory.CreateDirectory(Path.Combine(staging, ProjectWorkspace.LogsDirectoryName));
            Directory.CreateDirectory(Path.Combine(staging, ProjectWorkspace.SessionDirectoryName));
            await File.WriteAllTextAsync(Path.Combine(staging, StampFileName), snapshot.Manifest.Stamp, cancellationToken);

            SwapIn(projectId, staging);
            var took = (long)time.GetElapsedTime(started).TotalMilliseconds;
            logger.RestoredReplica(snapshot.Manifest.Versions, snapshot.Manifest.At, took);
            return true;
        }
        catch (Exception exception) when (exception is RedisException or VersionHistoryException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            logger.ReplicaNotRestored(exception.Message);
            return false;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            gate.Release();
        }
    }

    ProjectRemovalStage IProjectStateHolder.Stage => ProjectRemovalStage.Forget;

    /// <summary>Deleting a project deletes its replica.</summary>
    async ValueTask IProjectStateHolder.ForgetAsync(string projectId, CancellationToken cancellationToken)
    {
        _gates.TryRemove(projectId, out _);
        if (store is not null)
        {
            await store.DeleteAsync(projectId, cancellationToken);
        }
    }

    /// <summary>The stamp of the replica this disk's copy of the project equals, or null (no copy, or never replicated here).</summary>
    private string? LocalStamp(string projectId)
    {
        var path = StampFile(projectId);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    private string StampFile(string projectId) => Path.Combine(workspace.ProjectDirectory(projectId), StampFileName);

    private async Task<(string? HeadRef, string? Head, int Versions, byte[] Bundle)> BundleAsync(string app, CancellationToken cancellationToken)
    {
        if (!AppRepository.Exists(app))
        {
            return (null, null, 0, []);
        }

        var head = await repository.RunAsync(app, ["rev-parse", "--verify", "--quiet", "HEAD"], cancellationToken);
        if (head.ExitCode != 0)
        {
            return (null, null, 0, []); // No version yet.
        }

        var headRef = (await repository.RunCheckedAsync(app, ["symbolic-ref", "--quiet", "HEAD"], cancellationToken)).Output.Trim();
        var count = (await repository.RunCheckedAsync(app, ["rev-list", "--count", "HEAD"], cancellationToken)).Output.Trim();
        // The whole history each time: a few KB to a few hundred for an app, and a restore needs nothing but the latest.
        var bundle = await repository.ReadOutputAsync(app, file => ["bundle", "create", "--quiet", file, "--all"], cancellationToken);
        return (headRef, head.Output.Trim(), int.Parse(count, CultureInfo.InvariantCulture), bundle);
    }

    private async Task UnbundleAsync(string app, byte[] bundle, string headRef, string head, CancellationToken cancellationToken)
    {
        // Inside .git, where Kiln's own git calls may write and nothing serves or lists.
        var scratch = Directory.CreateDirectory(Path.Combine(app, ".git", "kiln-scratch")).FullName;
        var file = Path.Combine(scratch, "replica.bundle");
        await File.WriteAllBytesAsync(file, bundle, cancellationToken);
        try
        {
            // The objects only (no transport, so no protocol to allow), then each branch the bundle names.
            var listed = await repository.RunCheckedAsync(app, ["bundle", "unbundle", file], cancellationToken);
            foreach (var line in listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (line.Split(' ') is [var commit, var name] && name.StartsWith("refs/", StringComparison.Ordinal) && commit.Length == head.Length)
                {
                    await repository.RunCheckedAsync(app, ["update-ref", name, commit], cancellationToken);
                }
            }
        }
        finally
        {
            File.Delete(file);
        }

        await repository.RunCheckedAsync(app, ["symbolic-ref", "HEAD", headRef], cancellationToken);
        await repository.RunCheckedAsync(app, ["reset", "--quiet", "--hard", head], cancellationToken);
    }

    /// <summary>Puts the restored copy where the project lives, moving an older copy out of the way first.</summary>
    private void SwapIn(string projectId, string staging)
    {
        var directory = workspace.ProjectDirectory(projectId);
        string? older = null;
        if (Directory.Exists(directory))
        {
            older = Path.Combine(workspace.Root, RestoringDirectoryName, projectId + "-older-" + Guid.NewGuid().ToString("N"));
            Directory.Move(directory, older);
        }

        Directory.Move(staging, directory);
        if (older is not null)
        {
            Directory.Delete(older, recursive: true);
        }
    }

    /// <summary>What a restore of this project cut short by a kill left beside the projects (under its gate, so none runs now).</summary>
    private void RemoveLeftovers(string projectId)
    {
        var restoring = new DirectoryInfo(Path.Combine(workspace.Root, RestoringDirectoryName));
        if (restoring.Exists)
        {
            foreach (var leftover in restoring.EnumerateDirectories(projectId + "-*"))
            {
                leftover.Delete(recursive: true);
            }
        }
    }

    private SemaphoreSlim Gate(string projectId) => _gates.GetOrAdd(projectId, static _ => new SemaphoreSlim(1, 1));
}
