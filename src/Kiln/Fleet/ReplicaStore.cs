using System.Globalization;
using Kiln.Projects;
using StackExchange.Redis;

namespace Kiln.Fleet;

/// <summary>What a project's replica holds and when it was written; <see cref="Stamp"/> is new at each write.</summary>
/// <param name="Stamp">Unique per write: an instance whose copy carries another stamp (or none) has an older copy.</param>
/// <param name="HeadRef">The branch the app's repository has checked out (<c>refs/heads/main</c>); null before the first version.</param>
/// <param name="Head">The latest version's commit; null before the first version.</param>
/// <param name="Versions">How many versions the bundle holds.</param>
/// <param name="At">When it was written.</param>
public sealed record ReplicaManifest(string Stamp, string? HeadRef, string? Head, int Versions, DateTimeOffset At);

/// <summary>
/// A project's replica: its manifest, a <c>git bundle</c> of the versions repository (empty before the first version),
/// and a tar.gz of Kiln's own files of the project (<see cref="ReplicaFiles"/>).
/// </summary>
public sealed record ReplicaSnapshot(ReplicaManifest Manifest, byte[] Bundle, byte[] Files);

/// <summary>
/// Each project's replica in the store's Redis: one hash per project, written whole by one <c>HSET</c>, so a reader
/// never sees the bundle of one write with the files of another, through the project's fence (<see cref="RedisFence"/>),
/// so an owner that was taken over cannot overwrite its successor's replica. Only <see cref="ProjectReplica"/> writes it.
/// </summary>
public sealed class ReplicaStore(IConnectionMultiplexer redis, RedisKeys keys, RedisFence fence)
{
    // KEYS[1] the replica; ARGV field, value, field, value… (the fence's own argument comes last and is not a field).
    private const string PutScript = """
        local fields = {}
        for i = 1, #ARGV - 1 do fields[i] = ARGV[i] end
        redis.call('HSET', KEYS[1], unpack(fields))
        return 1
        """;

    private const string StampField = "stamp";
    private const string HeadRefField = "head-ref";
    private const string HeadField = "head";
    private const string VersionsField = "versions";
    private const string AtField = "at";
    private const string BundleField = "bundle";
    private const string FilesField = "files";

    private static readonly RedisValue[] ManifestFields = [StampField, HeadRefField, HeadField, VersionsField, AtField];

    private IDatabase Database => redis.GetDatabase();

    public RedisKey Key(string projectId) => $"{keys.Prefix}replica:{projectId}";

    public async Task PutAsync(string projectId, ReplicaSnapshot snapshot, CancellationToken cancellationToken)
    {
        var manifest = snapshot.Manifest;
        await fence.EvaluateAsync(Database, projectId, PutScript, [Key(projectId)],
        [
            StampField, manifest.Stamp,
            HeadRefField, manifest.HeadRef ?? "",
            HeadField, manifest.Head ?? "",
            VersionsField, manifest.Versions,
            AtField, manifest.At.ToUnixTimeMilliseconds(),
            BundleField, snapshot.Bundle,
            FilesField, snapshot.Files,
        ], cancellationToken);
    }

    /// <summary>The manifest alone (no blobs), or null when the project has no replica.</summary>
    public async Task<ReplicaManifest?> ManifestAsync(string projectId, CancellationToken cancellationToken)
    {
        var values = await Database.HashGetAsync(Key(projectId), ManifestFields).WaitAsync(cancellationToken);
        return values[0].IsNullOrEmpty ? null : Manifest(values[0], values[1], values[2], values[3], values[4]);
    }

    /// <summary>The whole replica, or null when the project has none.</summary>
    public async Task<ReplicaSnapshot?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        var values = await Database.HashGetAsync(Key(projectId), [.. ManifestFields, BundleField, FilesField]).WaitAsync(cancellationToken);
        return values[0].IsNullOrEmpty
            ? null
            : new ReplicaSnapshot(Manifest(values[0], values[1], values[2], values[3], values[4]), (byte[]?)values[5] ?? [], (byte[]?)values[6] ?? []);
    }

    public Task DeleteAsync(string projectId, CancellationToken cancellationToken) =>
        Database.KeyDeleteAsync(Key(projectId)).WaitAsync(cancellationToken);

    private static ReplicaManifest Manifest(RedisValue stamp, RedisValue headRef, RedisValue head, RedisValue versions, RedisValue at) =>
        new(
            stamp!,
            headRef.IsNullOrEmpty ? null : (string?)headRef,
            head.IsNullOrEmpty ? null : (string?)head,
            (int)versions,
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)at!, CultureInfo.InvariantCulture)));
}
