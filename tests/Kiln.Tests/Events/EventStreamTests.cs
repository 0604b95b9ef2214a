using Kiln.Events;
using Kiln.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using System.Net.WebSockets;

namespace Kiln.Tests.Events;

/// <summary>The event stream's promise: every event after N, then live ones, with no gap and no duplicate.</summary>
public sealed class EventStreamTests
{
    private const int EventCount = 1500;

    [Fact]
    public async Task Replay_while_publishing_has_no_gap_or_duplicate()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("A counter");
        await kiln.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(60), "ready");
        var events = kiln.Services.GetRequiredService<EventLog>();
        var existing = (await kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, default).ToListAsync()).Count;
        var last = existing + EventCount;

        // Subscribers connect at different points while the publisher is writing.
        var publisher = Task.Run(async () =>
        {
            for (var i = 0; i < EventCount; i++)
            {
                await events.AppendAsync(projectId, new AgentMessage($"message {i}"));
                if (i % 100 == 0)
                {
                    await Task.Yield();
                }
            }
        });

        var subscribers = Enumerable.Range(0, 8).Select(async n =>
        {
            await Task.Delay(n * 15);
            var after = n * 97 % (existing + 50);
            await using var stream = await kiln.Events(projectId, after).ConnectAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var seqs = new List<long>();
            while (seqs.Count == 0 || seqs[^1] < last)
            {
                var next = await stream.NextAsync(timeout.Token) ?? throw new InvalidOperationException("The stream closed early.");
                seqs.Add(next.GetProperty("seq").GetInt64());
            }

            return (after, seqs);
        }).ToList();

        await publisher;
        foreach (var (after, seqs) in await Task.WhenAll(subscribers))
        {
            Assert.Equal(Enumerable.Range(after + 1, last - after).Select(i => (long)i), seqs);
        }
    }

    [Fact]
    public async Task Events_are_stored_with_contiguous_seq_under_concurrent_appends()
    {
        await using var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("A counter");
        await kiln.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(60), "ready");
        var events = kiln.Services.GetRequiredService<EventLog>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await events.AppendAsync(projectId, new AgentMessage($"{writer}/{i}"));
            }
        })));

        var stored = await kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, default).ToListAsync();
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Select(e => e.Seq));
        Assert.Equal(400, stored.Count(e => e.Type == "agent_message" && e.Data.GetProperty("text").GetString()!.Contains('/', StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_stalled_subscriber_is_closed_with_a_reason_and_never_slows_the_others()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Events:SubscriberBuffer"] = "200" });
        var projectId = await kiln.GenerateAsync("A counter");
        await kiln.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(60), "ready");
        var events = kiln.Services.GetRequiredService<EventLog>();
        var lastBefore = (await kiln.Services.GetRequiredService<IEventStore>().ReadAsync(projectId, 0, default).ToListAsync()).Count;

        // A subscriber that reads through the log but never reads the live part in-process.
        using var stalledCancel = new CancellationTokenSource();
        var stalled = events.ReadAsync(projectId, lastBefore, stalledCancel.Token).GetAsyncEnumerator(stalledCancel.Token);
        var pending = stalled.MoveNextAsync(); // subscribes; the first live event completes it

        await using var healthy = await kiln.Events(projectId, lastBefore).ConnectAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seqs = new List<long>();

        // Publishing into a subscriber that never reads must not wait for it: each burst finishing is the proof.
        // The healthy one reads between bursts of 100 (half its buffer), so it never falls behind on a busy machine,
        // while the stalled one is 500 events (more than its buffer of 200) behind by the end.
        for (var burst = 0; burst < 5; burst++)
        {
            for (var i = 0; i < 100; i++)
            {
                await events.AppendAsync(projectId, new AgentMessage($"burst {burst}/{i}"));
            }

            while (seqs.Count < (burst + 1) * 100)
            {
                var next = await healthy.NextAsync(timeout.Token);
                Assert.True(next is not null, $"The healthy subscriber was closed after {seqs.Count} events: {healthy.Socket.CloseStatusDescription}");
                seqs.Add(next.Value.GetProperty("seq").GetInt64());
            }
        }

        Assert.True(await pending);

        // The stalled one fell behind and is told where to resume.
        var overflow = await Assert.ThrowsAsync<EventStreamOverflowException>(async () =>
        {
            while (await stalled.MoveNextAsync())
            {
            }
        });
        Assert.InRange(overflow.LastDeliveredSeq, lastBefore + 1, lastBefore + 500);
        Assert.Contains($"after={overflow.LastDeliveredSeq}", overflow.Message, StringComparison.Ordinal);

        // The healthy WebSocket subscriber got all of them, in order.
        Assert.Equal(Enumerable.Range(lastBefore + 1, 500).Select(i => (long)i), seqs);
        await stalled.DisposeAsync();
    }

    [Fact]
    public async Task A_websocket_that_stops_reading_is_closed_with_the_seq_to_resume_from()
    {
        await using var kiln = KilnApp.Start(new Dictionary<string, string?> { ["Kiln:Events:SubscriberBuffer"] = "16" });
        var projectId = await kiln.GenerateAsync("A counter");
        await kiln.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(60), "ready");
        var events = kiln.Services.GetRequiredService<EventLog>();

        await using var slow = await kiln.Events(projectId, after: 0).ConnectAsync();
        // Large events fill the socket's buffers, so the server-side subscription overflows.
        var big = new string('x', 64 * 1024);
        for (var i = 0; i < 400; i++)
        {
            await events.AppendAsync(projectId, new AgentMessage(big));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await slow.NextAsync(timeout.Token) is not null)
        {
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, slow.Socket.CloseStatus);
        Assert.Matches(@"reconnect with after=\d+", slow.Socket.CloseStatusDescription);
    }
}
