using System.Net;
using System.Net.WebSockets;
using Kiln.Events;
using Kiln.Testing;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Events;

/// <summary>
/// Two Kiln instances on one Redis store (each with its own projects root), as behind a load balancer: a client
/// of either one sees every event of a project, whichever instance stored it.
/// </summary>
public sealed class SharedStoreEventTests
{
    [Fact]
    public async Task A_subscriber_on_one_instance_gets_every_event_stored_on_another_after_a_replay()
    {
        var settings = await SharedStoreSettingsAsync();
        await using var a = KilnApp.Start(settings);
        await using var b = KilnApp.Start(settings);
        var projectId = await a.CreateReadyProjectAsync();
        var onA = a.Services.GetRequiredService<EventLog>();
        var onB = b.Services.GetRequiredService<EventLog>();
        for (var i = 0; i < 300; i++)
        {
            await onA.AppendAsync(projectId, new AgentMessage($"before {i}"), TestContext.Current.CancellationToken);
        }

        // A goes on storing while B stores some of its own, so B hears of A's events after later ones of its own.
        const int Total = 300 + 700 + 200;
        var fromA = Task.Run(async () =>
        {
            for (var i = 0; i < 700; i++)
            {
                await onA.AppendAsync(projectId, new AgentMessage($"from a {i}"));
            }
        }, TestContext.Current.CancellationToken);
        var fromB = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await onB.AppendAsync(projectId, new AgentMessage($"from b {i}"));
                await Task.Yield();
            }
        }, TestContext.Current.CancellationToken);

        // Subscribers on B connect at different points of the log, while both are writing; one on A for comparison.
        var subscribers = new[] { (b, 0L), (b, 150L), (b, 300L), (b, 299L), (a, 0L) }.Select(async subscriber =>
        {
            var (kiln, after) = subscriber;
            await using var stream = await kiln.Events(projectId, after).ConnectAsync(TestContext.Current.CancellationToken);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var seqs = new List<long>();
            while (seqs.Count == 0 || seqs[^1] < Total)
            {
                var next = await stream.NextAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"The stream closed after {seqs.Count} events: {stream.Socket.CloseStatusDescription}");
                seqs.Add(next.GetProperty("seq").GetInt64());
            }

            return (after, seqs, texts: stream.Received.Select(e => e.GetProperty("data").GetProperty("text").GetString()).ToList());
        }).ToList();

        await Task.WhenAll(fromA, fromB);
        foreach (var (after, seqs, texts) in await Task.WhenAll(subscribers))
        {
            Assert.Equal(Enumerable.Range((int)after + 1, Total - (int)after).Select(i => (long)i), seqs);
            Assert.Equal(texts.Count, texts.Distinct().Count());
        }

        // And what each instance reads from the store is the same log.
        Assert.Equal(Total, (await b.Services.GetRequiredService<IEventStore>()
            .ReadAsync(projectId, 0, TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken)).Count);
    }

    [Fact]
    public async Task A_project_made_on_one_instance_is_listed_by_the_other_and_deleting_it_ends_streams_on_both()
    {
        var settings = await SharedStoreSettingsAsync();
        await using var a = KilnApp.Start(settings);
        await using var b = KilnApp.Start(settings);
        var projectId = await a.CreateReadyProjectAsync("listed everywhere");

        Assert.Equal("ready", (await b.StatusAsync(projectId, TestContext.Current.CancellationToken)).GetProperty("status").GetString());
        await a.Services.GetRequiredService<EventLog>().AppendAsync(projectId, new AgentMessage("hello"), TestContext.Current.CancellationToken);
        await using var onB = await b.Events(projectId).ConnectAsync(TestContext.Current.CancellationToken);
        await onB.ReadUntilAsync(TimeSpan.FromSeconds(30), "agent_message");

        using var client = a.Client();
        using var deleted = await client.DeleteAsync($"/api/projects/{projectId}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Null(await onB.NextAsync(timeout.Token));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, onB.Socket.CloseStatus);
        using var other = b.Client();
        using var status = await other.GetAsync($"/api/projects/{projectId}/status", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Fact]
    public async Task After_redis_drops_an_instance_subscription_its_subscribers_still_get_every_event()
    {
        var settings = await SharedStoreSettingsAsync();
        await using var a = KilnApp.Start(settings);
        await using var b = KilnApp.Start(settings);
        var projectId = await a.CreateReadyProjectAsync();
        var onA = a.Services.GetRequiredService<EventLog>();
        await onA.AppendAsync(projectId, new AgentMessage("before"), TestContext.Current.CancellationToken);
        await using var onB = await b.Events(projectId).ConnectAsync(TestContext.Current.CancellationToken);
        await onB.ReadUntilAsync(TimeSpan.FromSeconds(30), "agent_message");

        // Drop every subscription connection, then store one last event at once: B must be subscribed again, or, if
        // the announcement went out while it was not, catch up from the stream (no later event reveals that gap).
        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(settings["Kiln:Redis:Configuration"]! + ",allowAdmin=true"))
        {
            await admin.GetDatabase().ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        }

        await onA.AppendAsync(projectId, new AgentMessage("after the drop"), TestContext.Current.CancellationToken);

        var last = await onB.ReadUntilAsync(TimeSpan.FromSeconds(60), "agent_message");
        Assert.Equal("after the drop", last[^1].GetProperty("data").GetProperty("text").GetString());
        Assert.Equal([1L, 2], onB.Received.Select(e => e.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task Choosing_redis_without_a_configuration_stops_kiln_at_start_naming_the_setting()
    {
        var failure = Assert.ThrowsAny<Exception>(() =>
        {
            using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Store"] = "redis" });
        });

        Assert.Contains("Kiln:Redis:Configuration", failure.ToString(), StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    private static async Task<Dictionary<string, string?>> SharedStoreSettingsAsync()
    {
        var redis = await SharedRedis.GetAsync();
        return new Dictionary<string, string?>
        {
            ["Kiln:Store"] = "redis",
            ["Kiln:Redis:Configuration"] = redis.Configuration,
            ["Kiln:Redis:KeyPrefix"] = RedisServer.NewPrefix(),
        };
    }
}
