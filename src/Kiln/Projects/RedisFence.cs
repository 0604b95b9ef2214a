using System.Globalization;
using StackExchange.Redis;

namespace Kiln.Projects;

/// <summary>
/// The <see cref="ProjectFence"/> in Redis: a project's epoch is a counter (<see cref="RedisKeys.Epoch"/>), and every write
/// for the project is a Lua script run through <see cref="EvaluateAsync"/>, which checks the epoch this process holds
/// against the counter before the script's own commands, in the same atomic step: no other client's command can come
/// between the check and the write. Any write of a project's shared state (events, record, replicated files) goes through here.
/// </summary>
public sealed class RedisFence(ProjectFence fence, RedisKeys keys)
{
    private const string Refusal = "KILN_STALE_EPOCH";

    // Prepended to the script: the epoch key is its last KEY and the held epoch ('' for none) its last ARGV, so the
    // script's own KEYS and ARGV keep their numbers. A refusal is an ordinary reply, not an error reply: everything that
    // shares the connection (Orleans' grain directory) logs every error reply it sees.
    private const string Check = """
        local kiln_fence_held = ARGV[#ARGV]
        if kiln_fence_held ~= '' and tonumber(redis.call('GET', KEYS[#KEYS]) or '0') > tonumber(kiln_fence_held) then
          return 'KILN_STALE_EPOCH'
        end

        """;

    /// <summary>
    /// Runs <paramref name="script"/> for the project unless a newer epoch than this process's exists; then nothing of it
    /// runs, the tenure is lost, and this throws <see cref="OwnershipLostException"/>.
    /// </summary>
    public async Task<RedisResult> EvaluateAsync(
        IDatabase db, string projectId, string script, RedisKey[] scriptKeys, RedisValue[] values, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var epoch = fence.EpochOf(projectId);
        var held = epoch is { } value ? value.ToString(CultureInfo.InvariantCulture) : "";
        var result = await db.ScriptEvaluateAsync(Check + script, [.. scriptKeys, keys.Epoch(projectId)], [.. values, held]);
        return epoch is { } stale && result.Resp2Type == ResultType.BulkString && (string?)result == Refusal
            ? throw fence.Refused(projectId, stale)
            : result;
    }

    /// <summary>The project's next epoch: a new tenure begins, and writes under every earlier one are refused from now on.</summary>
    public async Task<long> TakeEpochAsync(IDatabase db, string projectId, CancellationToken cancellationToken) =>
        await db.StringIncrementAsync(keys.Epoch(projectId)).WaitAsync(cancellationToken);
}
