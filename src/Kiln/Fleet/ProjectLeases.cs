using Kiln.Projects;
using StackExchange.Redis;

namespace Kiln.Fleet;

/// <summary>
/// Each project's lease in Redis: <c>{KeyPrefix}lease:{projectId}</c> holds its owner's <see cref="FleetInstance.LeaseValue"/>
/// and expires unless the owner renews it. Every change is one atomic command or script, so two instances can
/// never both hold a project: a claim sets the key only when it is absent, a renewal or release touches it only
/// while it still holds this instance's value.
/// </summary>
public sealed class ProjectLeases(IConnectionMultiplexer redis, RedisKeys keys)
{

    // Returns 1 when the caller holds the lease (newly or already), else the holder's value.
    private static readonly LuaScript Claim = LuaScript.Prepare("""
        local current = redis.call('GET', @key)
        if current == @value then
          redis.call('PEXPIRE', @key, @ttl)
          return 1
        end
        if not current then
          redis.call('SET', @key, @value, 'PX', @ttl)
          return 1
        end
        return current
        """);

    // KEYS: the leases to renew; ARGV: value, ttl. Returns the 1-based indexes of the leases no longer held.
    private const string Renew = """
        local lost = {}
        for i, key in ipairs(KEYS) do
          if redis.call('GET', key) == ARGV[1] then
            redis.call('PEXPIRE', key, ARGV[2])
          else
            table.insert(lost, i)
          end
        end
        return lost
        """;

    private const string ReleaseScript = """
        local released = 0
        for _, key in ipairs(KEYS) do
          if redis.call('GET', key) == ARGV[1] then
            redis.call('DEL', key)
            released = released + 1
          end
        end
        return released
        """;

    private IDatabase Database => redis.GetDatabase();

    /// <summary>Takes the project's lease for <paramref name="me"/>. Returns null when it is now held by <paramref name="me"/>, else the holder.</summary>
    public async Task<FleetInstance?> ClaimAsync(string projectId, FleetInstance me, TimeSpan duration, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await Database.ScriptEvaluateAsync(Claim, new
        {
            key = Key(projectId),
            value = me.LeaseValue,
            ttl = (long)duration.TotalMilliseconds,
        });
        return result.Resp2Type == ResultType.Integer ? null : FleetInstance.FromLeaseValue((string?)result);
    }

    /// <summary>Extends the leases <paramref name="me"/> holds; returns those it no longer holds (expired, or taken by another).</summary>
    public async Task<IReadOnlyList<string>> RenewAsync(IReadOnlyList<string> projectIds, FleetInstance me, TimeSpan duration, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (projectIds.Count == 0)
        {
            return [];
        }

        var lost = (RedisResult[]?)await Database.ScriptEvaluateAsync(
            Renew, [.. projectIds.Select(Key)], [me.LeaseValue, (long)duration.TotalMilliseconds]);
        return [.. (lost ?? []).Select(index => projectIds[(int)index - 1])];
    }

    /// <summary>
    /// Gives up the leases <paramref name="me"/> still holds, so another instance may take the projects at once.
    /// Synchronous: it runs in the last moment of a stopping process, whose callbacks cannot wait.
    /// </summary>
    public void Release(IReadOnlyList<string> projectIds, FleetInstance me)
    {
        if (projectIds.Count > 0)
        {
            Database.ScriptEvaluate(ReleaseScript, [.. projectIds.Select(Key)], [me.LeaseValue]);
        }
    }

    /// <summary>The instance holding the project's lease, or null when nobody does.</summary>
    public async Task<FleetInstance?> OwnerAsync(string projectId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return FleetInstance.FromLeaseValue(await Database.StringGetAsync(Key(projectId)));
    }

    /// <summary>Which of <paramref name="projectIds"/> have a lease at all.</summary>
    public async Task<IReadOnlySet<string>> HeldAsync(IReadOnlyList<string> projectIds, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var batch = Database.CreateBatch();
        var checks = projectIds.Select(id => (id, exists: batch.KeyExistsAsync(Key(id)))).ToList();
        batch.Execute();
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, exists) in checks)
        {
            if (await exists)
            {
                held.Add(id);
            }
        }

        return held;
    }

    private RedisKey Key(string projectId) => $"{keys.Prefix}lease:{projectId}";
}
