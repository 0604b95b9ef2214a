using StackExchange.Redis;

namespace Kiln.Projects;

/// <summary>The one place that names Kiln's keys and channel in Redis, all under <see cref="RedisStoreOptions.KeyPrefix"/>.</summary>
public sealed record RedisKeys(string Prefix)
{
    /// <summary>A sorted set of every project id, scored by its creation time (Unix milliseconds).</summary>
    public RedisKey Projects => Prefix + "projects";

    /// <summary>A string: the project's metadata as one JSON document.</summary>
    public RedisKey Project(string projectId) => $"{Prefix}project:{projectId}";

    /// <summary>A stream: the project's events, entry id <c>{seq}-0</c>, fields <c>type</c>, <c>at</c>, <c>data</c>.</summary>
    public RedisKey Events(string projectId) => $"{Prefix}events:{projectId}";

    /// <summary>Where every stored event and deletion is announced to every instance (see <see cref="RedisNotice"/>).</summary>
    public RedisChannel Notices => RedisChannel.Literal(Prefix + "notices");
}
