using StackExchange.Redis;

namespace Kiln.Projects;

/// <summary>
/// The project store's keys in Redis, under <see cref="RedisStoreOptions.KeyPrefix"/>. Every piece that keeps
/// something in the same Redis names its own keys under the same <see cref="Prefix"/>.
/// </summary>
public sealed record RedisKeys(string Prefix)
{
    /// <summary>A sorted set of every project id, scored by its creation time (Unix milliseconds).</summary>
    public RedisKey Projects => Prefix + "projects";

    /// <summary>A string: the project's metadata as one JSON document.</summary>
    public RedisKey Project(string projectId) => $"{Prefix}project:{projectId}";

    /// <summary>A string holding an integer: the project's epoch, taken by each activation (see <see cref="RedisFence"/>).</summary>
    public RedisKey Epoch(string projectId) => $"{Prefix}epoch:{projectId}";

    /// <summary>A list: the ASP.NET Core Data Protection key ring that seals the projects' MCP tokens.</summary>
    public RedisKey DataProtectionKeys => Prefix + "data-protection-keys";
}
