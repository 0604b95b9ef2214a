using System.Diagnostics;
using System.Net.WebSockets;
using Kiln.Tests.Infrastructure;

namespace Kiln.Tests.Events;

/// <summary>Open event streams end when Kiln stops, so a restart is quick and clients resume with after=N.</summary>
public sealed class StreamShutdownTests
{
    [Fact]
    public async Task Stopping_kiln_closes_open_websockets_and_sse_streams_at_once()
    {
        var kiln = KilnApp.Start();
        var projectId = await kiln.GenerateAsync("a counter");
        await kiln.WaitForStatusAsync(projectId, TimeSpan.FromSeconds(60), "ready");
        await using var socket = kiln.Events(projectId);
        await socket.ReadUntilAsync(TimeSpan.FromSeconds(30), "generation_completed");
        using var client = kiln.Client();
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var sse = await client.GetAsync($"/api/projects/{projectId}/events", HttpCompletionOption.ResponseHeadersRead);
        var sseBody = (await sse.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);

        var stopping = Stopwatch.StartNew();
        await kiln.DisposeAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"Stopping took {stopping.Elapsed}: open streams held it up.");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await socket.NextAsync(deadline.Token) is not null)
        {
            // Drain what was still buffered; the stream then ends with a close frame.
        }

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.Socket.CloseStatus);
        await sseBody.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
