using Kiln.Testing;

[assembly: AssemblyFixture(typeof(Kiln.Tests.Infrastructure.SharedRedis))]

namespace Kiln.Tests.Infrastructure;

/// <summary>
/// One real redis-server for the whole test run, started by the first test that needs it and stopped when the run
/// ends; every test takes its own key prefix (<see cref="RedisServer.NewPrefix"/>), so tests never see each other's keys.
/// </summary>
public sealed class SharedRedis : IAsyncDisposable
{
    private static readonly Lazy<Task<RedisServer>> Server = new(() => RedisServer.StartAsync());

    /// <summary>The server; fails on CI, skips elsewhere, when redis-server is not installed.</summary>
    public static async Task<RedisServer> GetAsync()
    {
        Requires.RedisServer();
        return await Server.Value;
    }

    public async ValueTask DisposeAsync()
    {
        if (Server.IsValueCreated && Server.Value.IsCompletedSuccessfully)
        {
            await (await Server.Value).DisposeAsync();
        }
    }
}
