using Kiln.Projects;
using StackExchange.Redis;

namespace Kiln.Events;

/// <summary>The event store's keys and channel in Redis, under the store's <see cref="RedisKeys.Prefix"/>.</summary>
public sealed record RedisEventKeys(string Prefix)
{
    public RedisEventKeys(RedisKeys store)
        : this(store.Prefix)
    {
    }

    /// <summary>A stream: the project's events, entry id <c>{seq}-0</c>, fields <c>type</c>, <c>at</c>, <c>data</c>.</summary>
    public RedisKey Stream(string projectId) => $"{Prefix}events:{projectId}";

    /// <summary>Where every stored event and deletion is announced to every instance (see <see cref="RedisNotice"/>).</summary>
    public RedisChannel Notices => RedisChannel.Literal(Prefix + "notices");
}
