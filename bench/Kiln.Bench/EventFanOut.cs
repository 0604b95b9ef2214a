using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Kiln.Events;
using Kiln.Testing;

namespace Kiln.Bench;

/// <summary>
/// Event fan-out: many WebSocket subscribers of one project, events stored at a steady pace, and the time from
/// asking the <see cref="Kiln.Events.EventLog"/> to store an event to each subscriber holding it. On SQLite (one instance),
/// on Redis (one instance), and on Redis across instances (stored on A, subscribers on B). The candidates are
/// Redis; the baseline is SQLite. Each round's p50 and p99 over every delivery; the medians over the rounds.
/// </summary>
public static class EventFanOut
{
    public static async Task<IReadOnlyList<Measurement.Result>> RunAsync(int subscribers, int events, int rounds, TimeSpan pace)
    {
        await using var redis = await RedisServer.StartAsync();
        var shared = new Dictionary<string, string?>
        {
            ["Kiln:Store"] = "redis",
            ["Kiln:Redis:Configuration"] = redis.Configuration,
            ["Kiln:Redis:KeyPrefix"] = RedisServer.NewPrefix(),
        };
        await using var sqlite = await InProcessKiln.StartAsync(new Dictionary<string, string?>());
        await using var redisA = await InProcessKiln.StartAsync(shared);
        await using var redisB = await InProcessKiln.StartAsync(shared);

        var setups = new[]
        {
            new Setup("sqlite", sqlite, sqlite, await sqlite.CreateProjectAsync()),
            new Setup("redis", redisA, redisA, await redisA.CreateProjectAsync()),
            new Setup("redis across instances", redisA, redisB, await redisA.CreateProjectAsync()),
        };

        foreach (var setup in setups)
        {
            await RoundAsync(setup, subscribers, events, pace); // warm-up
        }

        for (var round = 0; round < rounds; round++)
        {
            foreach (var setup in setups)
            {
                var (p50, p99) = await RoundAsync(setup, subscribers, events, pace);
                setup.P50.Add(p50);
                setup.P99.Add(p99);
            }
        }

        var what = string.Create(CultureInfo.InvariantCulture, $"{subscribers} ws × {events} events, 1 per {pace.TotalMilliseconds} ms");
        var baseline = setups[0];
        return
        [
            .. setups.Skip(1).SelectMany(candidate => new[]
            {
                new Measurement.Result($"fan-out p50 ({what}): {candidate.Name} vs sqlite", rounds, Median(candidate.P50), Median(baseline.P50), "report"),
                new Measurement.Result($"fan-out p99 ({what}): {candidate.Name} vs sqlite", rounds, Median(candidate.P99), Median(baseline.P99), "report"),
            }),
        ];
    }

    private static async Task<(TimeSpan P50, TimeSpan P99)> RoundAsync(Setup setup, int subscribers, int events, TimeSpan pace)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var sockets = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < subscribers; i++)
            {
                var socket = new ClientWebSocket();
                await socket.ConnectAsync(new Uri(setup.Server.BaseAddress, $"/ws/{setup.ProjectId}?after={setup.LastSeq}").ToWebSocket(), deadline.Token);
                sockets.Add(socket);
            }

            var ready = sockets.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
            var receivers = sockets.Select((socket, i) => ReceiveAsync(socket, events, ready[i], deadline.Token)).ToList();

            // Every subscriber is live once it has the marker; only then does timing start.
            setup.LastSeq = (await setup.Publisher.Events.AppendAsync(setup.ProjectId, new AgentMessage("ready"), deadline.Token)).Seq;
            await Task.WhenAll(ready.Select(r => r.Task)).WaitAsync(deadline.Token);

            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < events; i++)
            {
                var due = started + (long)(pace.TotalSeconds * Stopwatch.Frequency * i);
                while (Stopwatch.GetTimestamp() < due)
                {
                    await Task.Delay(1, deadline.Token);
                }

                var text = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture);
                setup.LastSeq = (await setup.Publisher.Events.AppendAsync(setup.ProjectId, new AgentMessage(text), deadline.Token)).Seq;
            }

            var latencies = (await Task.WhenAll(receivers)).SelectMany(l => l).Order().ToList();
            return (latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)]);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                }

                socket.Dispose();
            }
        }
    }

    /// <summary>Reads the marker, then <paramref name="events"/> timed events; returns each one's delivery latency.</summary>
    private static async Task<List<TimeSpan>> ReceiveAsync(ClientWebSocket socket, int events, TaskCompletionSource ready, CancellationToken cancellationToken)
    {
        var latencies = new List<TimeSpan>(events);
        var buffer = new byte[16 * 1024];
        while (latencies.Count < events)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            var received = Stopwatch.GetTimestamp();
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"A subscriber was closed after {latencies.Count} events: {socket.CloseStatusDescription}");
            }

            using var message = JsonDocument.Parse(buffer.AsMemory(0, length));
            var text = message.RootElement.GetProperty("data").GetProperty("text").GetString();
            if (text == "ready")
            {
                ready.TrySetResult();
            }
            else if (long.TryParse(text, CultureInfo.InvariantCulture, out var sent))
            {
                latencies.Add(Stopwatch.GetElapsedTime(sent, received));
            }
        }

        return latencies;
    }

    private static Uri ToWebSocket(this Uri uri) => new UriBuilder(uri) { Scheme = uri.Scheme == "https" ? "wss" : "ws" }.Uri;

    private static TimeSpan Median(List<TimeSpan> samples)
    {
        var sorted = samples.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private sealed class Setup(string name, InProcessKiln publisher, InProcessKiln server, string projectId)
    {
        public string Name { get; } = name;
        public InProcessKiln Publisher { get; } = publisher;
        public InProcessKiln Server { get; } = server;
        public string ProjectId { get; } = projectId;
        public long LastSeq { get; set; }
        public List<TimeSpan> P50 { get; } = [];
        public List<TimeSpan> P99 { get; } = [];
    }
}
