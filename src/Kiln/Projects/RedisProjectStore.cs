using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kiln.Events;
using StackExchange.Redis;

namespace Kiln.Projects;

/// <summary>
/// The store several instances share (DESIGN.md section 10): each project is a JSON document, each project's
/// events a Redis Stream whose entry ids are the events' seqs. Every stored event and deletion is also announced
/// on one channel (<see cref="RedisNotice"/>), so each instance's <see cref="EventLog"/> reaches its own subscribers.
/// </summary>
public sealed class RedisProjectStore(IConnectionMultiplexer redis, RedisKeys keys) : IProjectStore
{
    private const int ReadPage = 512;

    // Atomic on the server, so two instances appending at once still get 1, 2, 3… with no gap: the next seq comes
    // from the stream's own last entry (no separate counter that a failed XADD could leave ahead), and the
    // announcement is made in the same step, so announcements go out in seq order.
    // KEYS[1] the stream; ARGV: channel, type, at, data, project id.
    private const string AppendScript = """
        local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        local seq = 1
        if last[1] then seq = tonumber(string.match(last[1][1], '^%d+')) + 1 end
        local id = string.format('%d', seq)
        redis.call('XADD', KEYS[1], id .. '-0', 'type', ARGV[2], 'at', ARGV[3], 'data', ARGV[4])
        redis.call('PUBLISH', ARGV[1], 'e\n' .. ARGV[5] .. '\n' .. id .. '\n' .. ARGV[2] .. '\n' .. ARGV[3] .. '\n' .. ARGV[4])
        return seq
        """;

    private readonly IDatabase _db = redis.GetDatabase();
    private readonly RedisKeys _keys = keys;

    public async Task CreateAsync(Project project, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var transaction = _db.CreateTransaction();
        transaction.AddCondition(Condition.KeyNotExists(_keys.Project(project.Id)));
        _ = transaction.StringSetAsync(_keys.Project(project.Id), Serialize(project));
        _ = transaction.SortedSetAddAsync(_keys.Projects, project.Id, project.CreatedAt.ToUnixTimeMilliseconds());
        if (!await transaction.ExecuteAsync())
        {
            throw new InvalidOperationException($"A project with id {project.Id} already exists.");
        }
    }

    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        var document = await _db.StringGetAsync(_keys.Project(projectId)).WaitAsync(cancellationToken);
        return document.IsNull ? null : Deserialize(document!);
    }

    public async Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken)
    {
        var ids = await _db.SortedSetRangeByRankAsync(_keys.Projects).WaitAsync(cancellationToken);
        if (ids.Length == 0)
        {
            return [];
        }

        var documents = await _db.StringGetAsync([.. ids.Select(id => _keys.Project(id!))]).WaitAsync(cancellationToken);
        // The same order as the SQLite store: newest first, then by id; the index's millisecond score is too coarse for it.
        return
        [
            .. documents.Where(document => !document.IsNull).Select(document => Deserialize(document!))
                .OrderByDescending(project => project.CreatedAt.UtcTicks).ThenBy(project => project.Id, StringComparer.Ordinal),
        ];
    }

    public async Task<Project?> UpdateAsync(string projectId, Func<Project, Project> change, CancellationToken cancellationToken)
    {
        var key = _keys.Project(projectId);
        // Optimistic: write only if the document is still the one that was read (WATCH/MULTI underneath), else
        // read it again and change that. So change may run more than once, and only its last result counts.
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var document = await _db.StringGetAsync(key).WaitAsync(cancellationToken);
            if (document.IsNull)
            {
                return null;
            }

            var current = Deserialize(document!);
            var changed = change(current);
            if (ReferenceEquals(changed, current))
            {
                return changed;
            }

            var transaction = _db.CreateTransaction();
            transaction.AddCondition(Condition.StringEqual(key, document));
            _ = transaction.StringSetAsync(key, Serialize(changed));
            if (await transaction.ExecuteAsync())
            {
                return changed;
            }
        }
    }

    public async Task<bool> DeleteAsync(string projectId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var transaction = _db.CreateTransaction();
        var deleted = transaction.KeyDeleteAsync(_keys.Project(projectId));
        _ = transaction.KeyDeleteAsync(_keys.Events(projectId));
        _ = transaction.SortedSetRemoveAsync(_keys.Projects, projectId);
        _ = transaction.PublishAsync(_keys.Notices, $"d\n{projectId}");
        await transaction.ExecuteAsync();
        return await deleted;
    }

    public async Task<ProjectEvent> AppendEventAsync(
        string projectId, string type, DateTimeOffset at, string dataJson, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var stamp = StoredTime.Format(at);
        var seq = (long)await _db.ScriptEvaluateAsync(
            AppendScript, [_keys.Events(projectId)], [_keys.Notices.ToString(), type, stamp, dataJson, projectId]);
        return ProjectEvent.FromStored(seq, projectId, type, at, dataJson);
    }

    public async IAsyncEnumerable<ProjectEvent> ReadEventsAsync(
        string projectId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var key = _keys.Events(projectId);
        var next = afterSeq + 1;
        while (true)
        {
            var entries = await _db.StreamRangeAsync(key, $"{next}-0", "+", ReadPage).WaitAsync(cancellationToken);
            foreach (var entry in entries)
            {
                var seq = SeqOf(entry.Id);
                yield return ProjectEvent.FromStored(seq, projectId, entry["type"]!, StoredTime.Parse(entry["at"]!), entry["data"]!);
                next = seq + 1;
            }

            if (entries.Length < ReadPage)
            {
                yield break;
            }
        }
    }

    public async Task<long> LastEventSeqAsync(string projectId, CancellationToken cancellationToken)
    {
        var newest = await _db.StreamRangeAsync(_keys.Events(projectId), "-", "+", 1, Order.Descending).WaitAsync(cancellationToken);
        return newest.Length == 0 ? 0 : SeqOf(newest[0].Id);
    }

    private static long SeqOf(RedisValue entryId)
    {
        var id = (string)entryId!;
        return long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
    }

    private static string Serialize(Project project) => JsonSerializer.Serialize(project, ProjectJsonContext.Default.Project);

    private static Project Deserialize(string document) =>
        JsonSerializer.Deserialize(document, ProjectJsonContext.Default.Project)
        ?? throw new InvalidDataException("A stored project document is empty.");
}
