using System.Security.Cryptography;
using System.Text.Json;
using Kiln.Projects;
using Microsoft.AspNetCore.DataProtection;

namespace Kiln.Versions;

/// <summary>
/// Where a project's history is pushed, as kept beside its app (<see cref="ProjectWorkspace.GitSettingsFile"/>): the
/// remote and branch of the last push that landed, the token the person asked Kiln to remember for that remote, sealed
/// with ASP.NET Core Data Protection (the key ring Kiln keeps for the projects' MCP tokens, under a purpose of its own),
/// and how the last push went. The token never leaves this class except to the push that uses it.
/// </summary>
public sealed class GitSettings(ProjectWorkspace workspace, IDataProtectionProvider dataProtection, DurableState durable) : IDisposable
{
    private readonly IDataProtector _sealer = dataProtection.CreateProtector("Kiln.Versions.GitToken.v1");

    // Changes are read, changed and written whole; rare enough that one gate for every project costs nothing.
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>What a person may see of a project's settings: never the token, only whether one is stored.</summary>
    public async Task<GitSettingsView> ReadAsync(string projectId, CancellationToken cancellationToken)
    {
        var stored = await LoadAsync(projectId, cancellationToken);
        return new GitSettingsView(stored.Remote, stored.Branch, stored.SealedToken is not null, stored.LastPush);
    }

    /// <summary>The stored token, when one is stored for exactly <paramref name="remote"/> and can still be unsealed.</summary>
    public async Task<string?> TokenForAsync(string projectId, GitRemote remote, CancellationToken cancellationToken)
    {
        var stored = await LoadAsync(projectId, cancellationToken);
        if (stored.SealedToken is null || stored.Remote != remote.ToString())
        {
            return null;
        }

        try
        {
            return _sealer.Unprotect(stored.SealedToken);
        }
        catch (CryptographicException)
        {
            return null; // Its key is gone: as good as no token; the person gives it again.
        }
    }

    /// <summary>
    /// Records a push that landed: its remote and branch become the project's, and <paramref name="tokenToKeep"/>, when
    /// given, is sealed and kept for that remote. A token kept for another remote is forgotten, so it never goes to a
    /// host it was not given for.
    /// </summary>
    public Task RecordLandedAsync(string projectId, GitRemote remote, string branch, string? tokenToKeep, GitPushRecord push, CancellationToken cancellationToken) =>
        UpdateAsync(projectId, stored => new StoredGitSettings(
            remote.ToString(),
            branch,
            tokenToKeep is not null ? _sealer.Protect(tokenToKeep) : stored.Remote == remote.ToString() ? stored.SealedToken : null,
            push), cancellationToken);

    /// <summary>Records a push that failed; the remote, branch and token of the last one that landed stay.</summary>
    public Task RecordFailedAsync(string projectId, GitPushRecord push, CancellationToken cancellationToken) =>
        UpdateAsync(projectId, stored => stored with { LastPush = push }, cancellationToken);

    /// <summary>Forgets the stored token; false when there was none.</summary>
    public async Task<bool> ForgetTokenAsync(string projectId, CancellationToken cancellationToken)
    {
        var had = false;
        await UpdateAsync(projectId, stored =>
        {
            had = stored.SealedToken is not null;
            return stored with { SealedToken = null };
        }, cancellationToken);
        return had;
    }

    public void Dispose() => _writing.Dispose();

    private async Task UpdateAsync(string projectId, Func<StoredGitSettings, StoredGitSettings> change, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            var updated = change(await LoadAsync(projectId, cancellationToken));
            var path = workspace.GitSettingsFile(projectId);
            if (Directory.Exists(Path.GetDirectoryName(path)))
            {
                await AtomicFile.WriteAllBytesAsync(path, JsonSerializer.SerializeToUtf8Bytes(updated, VersionsJsonContext.Default.StoredGitSettings), cancellationToken);
                await durable.ChangedAsync(projectId, cancellationToken);
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task<StoredGitSettings> LoadAsync(string projectId, CancellationToken cancellationToken)
    {
        var path = workspace.GitSettingsFile(projectId);
        if (!File.Exists(path))
        {
            return StoredGitSettings.None;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(stream, VersionsJsonContext.Default.StoredGitSettings, cancellationToken) ?? StoredGitSettings.None;
        }
        catch (Exception exception) when (exception is JsonException or FileNotFoundException or DirectoryNotFoundException)
        {
            return StoredGitSettings.None;
        }
    }
}

/// <summary>A project's git settings as a person sees them: the remote and branch, whether a token is stored, the last push.</summary>
public sealed record GitSettingsView(string? Remote, string? Branch, bool TokenStored, GitPushRecord? LastPush);

/// <summary>The settings file: the token only ever sealed.</summary>
internal sealed record StoredGitSettings(string? Remote, string? Branch, string? SealedToken, GitPushRecord? LastPush)
{
    public static readonly StoredGitSettings None = new(null, null, null, null);
}
