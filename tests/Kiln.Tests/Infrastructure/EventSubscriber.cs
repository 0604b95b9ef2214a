using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Kiln.Tests.Infrastructure;

/// <summary>A WebSocket subscriber to a project's events, as the web UI or any client would be.</summary>
public sealed class EventSubscriber(Uri uri) : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private bool _connected;

    public WebSocket Socket => _socket;

    public List<JsonElement> Received { get; } = [];

    public async Task<EventSubscriber> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var wsUri = new UriBuilder(uri) { Scheme = uri.Scheme == "https" ? "wss" : "ws" }.Uri;
        await _socket.ConnectAsync(wsUri, cancellationToken);
        _connected = true;
        return this;
    }

    /// <summary>The next event, or null when the server closed the stream.</summary>
    public async Task<JsonElement?> NextAsync(CancellationToken cancellationToken)
    {
        if (!_connected)
        {
            await ConnectAsync(cancellationToken);
        }

        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                var element = JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray())).RootElement.Clone();
                Received.Add(element);
                return element;
            }
        }
    }

    /// <summary>Reads events until one of <paramref name="types"/> arrives; returns every event read.</summary>
    public async Task<List<JsonElement>> ReadUntilAsync(TimeSpan timeout, params string[] types)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var read = new List<JsonElement>();
        try
        {
            while (await NextAsync(deadline.Token) is { } next)
            {
                read.Add(next);
                if (types.Contains(next.GetProperty("type").GetString()))
                {
                    return read;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException(
            $"No {string.Join("|", types)} event within {timeout}. Got: {string.Join(", ", read.Select(e => e.GetProperty("type").GetString()))}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
            }
        }

        _socket.Dispose();
    }
}
