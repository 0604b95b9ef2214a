using System.Globalization;
using System.Runtime.CompilerServices;
using Kiln.Projects;
using StackExchange.Redis;

namespace Kiln.Events;

/// <summary>
/// The event store several instances share: each project's events a Redis Stream whose entry ids are the events'
/// seqs. Every stored event and deletion is also announced on one channel (<see cref="RedisNotice"/>), so each
/// instance's <see cref="EventLog"/> reaches its own subscribers.
/// </summary>
public sealed class RedisEventStore(IConnectionMultiplexer redis, RedisEventKeys keys, RedisFence fence) : IEventStore
{
    private const int ReadPage = 512;

    // Atomic on the server, so two instances appending at once still get 1, 2, 3… with no gap: the next seq comes
    // from the stream's own last entry (no separate counter that a failed XADD could leave ahead), and the
    // announcement is made in the same step, so announcements go out in seq order. Fenced: a stale owner appends nothing.
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
    private readonly RedisEventKeys _keys = keys;

    public async Task<ProjectEvent> AppendAsync(
        string projectId, string type, DateTimeOffset at, string dataJson, CancellationToken cancellationToken)
    {
        var stamp = StoredTime.Format(at);
        var seq = (long)await fence.EvaluateAsync(
            _db, projectId, AppendScript, [_keys.Stream(projectId)], [_keys.Notices.ToString(), type, stamp, dataJson, projectId], cancellationToken);
        return ProjectEvent.FromStored(seq, projectId, type, at, dataJson);
    }

    public async IAsyncEnumerable<ProjectEvent> ReadAsync(
        string projectId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var key = _keys.Stream(projectId);
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

    public async Task<long> LastSeqAsync(string projectId, CancellationToken cancellationToken)
    {
        var newest = await _db.StreamRangeAsync(_keys.Stream(projectId), "-", "+", 1, Order.Descending).WaitAsync(cancellationToken);
        return newest.Length == 0 ? 0 : SeqOf(newest[0].Id);
    }

    private static long SeqOf(RedisValue entryId)
    {
        var id = (string)entryId!;
        return long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
    }

    public async Task DeleteAsync(string projectId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var transaction = _db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(_keys.Stream(projectId));
        _ = transaction.PublishAsync(_keys.Notices, $"d\n{projectId}");
        await transaction.ExecuteAsync();
    }
}
