using System.Text.Json;
using Kiln.Projects;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Kiln.Fleet;

/// <summary>
/// Every instance's latest load, where placement and <c>GET /api/fleet</c> read it. In a fleet each silo writes its
/// own under <c>{prefix}fleet/load/{silo}</c> in the store's Redis (<see cref="LoadPublisher"/>), with an expiry of
/// three publish intervals, so a silo that stopped publishing (killed, paused) has no figures rather than old ones:
/// Redis's clock alone decides, whatever the machines' clocks say. This instance's own load is measured on the spot.
/// Alone (SQLite) there is no Redis and only this instance.
/// </summary>
public sealed class LoadBoard(
    ILocalSiloDetails silo, LocalLoad local, IOptions<FleetOptions> options, IOptions<StoreOptions> store, IConnectionMultiplexer? redis = null)
{
    private readonly string _prefix = store.Value.Redis.KeyPrefix + "fleet/load/";

    private TimeSpan Expiry => options.Value.LoadPublishInterval * 3;

    /// <summary>Writes this instance's load now; <paramref name="expiry"/> overrides how long it stands.</summary>
    public async Task PublishAsync(TimeSpan? expiry = null)
    {
        if (redis is null)
        {
            return;
        }

        var load = local.Measure();
        await redis.GetDatabase().StringSetAsync(Key(silo.SiloAddress), JsonSerializer.Serialize(load, JsonSerializerOptions.Web), expiry ?? Expiry);
    }

    /// <summary>The fresh figures of <paramref name="silos"/>; a silo with none (never published, or expired) is left out.</summary>
    public async Task<IReadOnlyDictionary<SiloAddress, InstanceLoad>> ReadAsync(IReadOnlyList<SiloAddress> silos)
    {
        var loads = new Dictionary<SiloAddress, InstanceLoad>();
        var others = silos.Where(s => !s.Equals(silo.SiloAddress)).ToArray();
        if (others.Length > 0 && redis is not null)
        {
            var values = await redis.GetDatabase().StringGetAsync([.. others.Select(s => (RedisKey)Key(s))]);
            for (var i = 0; i < others.Length; i++)
            {
                if (values[i].HasValue && JsonSerializer.Deserialize<InstanceLoad>(values[i].ToString(), JsonSerializerOptions.Web) is { } load)
                {
                    loads[others[i]] = load;
                }
            }
        }

        if (silos.Contains(silo.SiloAddress))
        {
            loads[silo.SiloAddress] = local.Measure();
        }

        return loads;
    }

    private string Key(SiloAddress address) => _prefix + address.ToParsableString();
}
