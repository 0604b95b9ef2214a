using Kiln.Fleet;
using Kiln.Projects;
using Kiln.Tests.Infrastructure;
using StackExchange.Redis;

namespace Kiln.Tests.Fleet;

/// <summary>The leases against a real Redis, with one connection per instance as in a fleet.</summary>
public sealed class ProjectLeaseTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Of_many_instances_claiming_one_project_at_once_exactly_one_holds_it()
    {
        var (leases, connections) = await InstancesAsync(8);
        await using var _ = connections;
        var instances = Enumerable.Range(0, 8).Select(i => new FleetInstance($"i{i}", new Uri($"http://127.0.0.1:{5301 + i}/"))).ToList();
        var projectId = ProjectIds.New();

        var answers = await Task.WhenAll(instances.Select((me, i) => leases[i].ClaimAsync(projectId, me, Long, CancellationToken.None)));

        var winner = Assert.Single(instances.Where((_, i) => answers[i] is null));
        Assert.All(answers.Where(a => a is not null), holder => Assert.Equal(winner.LeaseValue, holder!.LeaseValue));
        Assert.Equal(winner.LeaseValue, (await leases[0].OwnerAsync(projectId, CancellationToken.None))?.LeaseValue);
    }

    [Fact]
    public async Task Only_the_holder_renews_or_releases_and_an_expired_lease_can_be_taken()
    {
        var (leases, connections) = await InstancesAsync(2);
        await using var _ = connections;
        var first = new FleetInstance("first", new Uri("http://127.0.0.1:5301/"));
        var second = new FleetInstance("second", new Uri("http://127.0.0.1:5302/"));
        var projectId = ProjectIds.New();

        Assert.Null(await leases[0].ClaimAsync(projectId, first, Long, CancellationToken.None));
        Assert.Equal([projectId], await leases[1].RenewAsync([projectId], second, Long, CancellationToken.None));
        leases[1].Release([projectId], second);
        Assert.Equal("first", (await leases[1].OwnerAsync(projectId, CancellationToken.None))?.Id);
        Assert.Empty(await leases[0].RenewAsync([projectId], first, Long, CancellationToken.None));

        // The first instance stops renewing: Redis expires its lease (made short here), and the second takes it.
        Assert.Null(await leases[0].ClaimAsync(projectId, first, TimeSpan.FromMilliseconds(1), CancellationToken.None));
        FleetInstance? holder;
        while ((holder = await leases[1].ClaimAsync(projectId, second, Long, CancellationToken.None)) is not null)
        {
            Assert.Equal("first", holder.Id);
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        Assert.Equal([projectId], await leases[0].RenewAsync([projectId], first, Long, CancellationToken.None));
        Assert.Equal("second", (await leases[0].OwnerAsync(projectId, CancellationToken.None))?.Id);
        leases[1].Release([projectId], second);
        Assert.Null(await leases[0].OwnerAsync(projectId, CancellationToken.None));
    }

    private static async Task<(List<ProjectLeases> Leases, Connections Connections)> InstancesAsync(int count)
    {
        var redis = await SharedRedis.GetAsync();
        var keys = new RedisKeys(Kiln.Testing.RedisServer.NewPrefix());
        var connections = new Connections();
        var leases = new List<ProjectLeases>();
        for (var i = 0; i < count; i++)
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
            connections.Add(connection);
            leases.Add(new ProjectLeases(connection, keys));
        }

        return (leases, connections);
    }

    private sealed class Connections : List<IConnectionMultiplexer>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var connection in this)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
