using System.Net.ServerSentEvents;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using Kiln.Events;
using Kiln.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Kiln.Api;

/// <summary>
/// A project's event stream, over a WebSocket (<c>/ws/{id}?after=N</c>) or Server-Sent Events
/// (<c>/api/projects/{id}/events?after=N</c>): every stored event after N, then live ones.
/// </summary>
public static partial class EventEndpoints
{
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/projects/{projectId}/events", StreamAsync)
            .WithTags(ApiTags.Events)
            .WithName("StreamEvents")
            .WithSummary("The project's events as Server-Sent Events, from after=N (or Last-Event-ID) on")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");

        // OpenAPI describes requests and responses, not a WebSocket's messages: the Events tag's description names this
        // endpoint, and a client generator is not offered a GET that cannot work.
        routes.MapGet("/ws/{projectId}", ConnectAsync)
            .WithTags(ApiTags.Events)
            .WithName("ConnectEvents")
            .WithSummary("The project's events over a WebSocket, from after=N on; one JSON event per text message")
            .ExcludeFromDescription();
        return routes;
    }

    private static async Task<Results<ServerSentEventsResult<string>, BadRequestProblem, NotFoundProblem>> StreamAsync(
        string projectId,
        long? after,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventId,
        IProjectStore store,
        EventLog events,
        InstanceDrain drain,
        KilnMetrics metrics,
        ProjectActivity activity,
        CancellationToken cancellationToken)
    {
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        var resumeFrom = after;
        if (resumeFrom is null && !string.IsNullOrEmpty(lastEventId))
        {
            if (!long.TryParse(lastEventId, out var parsed))
            {
                return Problems.BadRequest("Bad Last-Event-ID", $"Last-Event-ID must be an event's seq, a whole number; got '{lastEventId}'.");
            }

            resumeFrom = parsed;
        }

        if (InvalidAfter(resumeFrom) is { } problem)
        {
            return problem;
        }

        activity.Touch(projectId);
        return TypedResults.ServerSentEvents(SseItems(events, projectId, resumeFrom ?? 0, metrics, drain.Drained, cancellationToken));
    }

    private static async Task<Results<EmptyHttpResult, BadRequestProblem, NotFoundProblem>> ConnectAsync(
        string projectId, long? after, HttpContext context, IProjectStore store, EventLog events, InstanceDrain drain, ILoggerFactory loggers,
        KilnMetrics metrics, ProjectActivity activity)
    {
        var cancellationToken = context.RequestAborted;
        if (await ProjectEndpoints.FindAsync(store, projectId, cancellationToken) is null)
        {
            return Problems.ProjectNotFound(projectId);
        }

        if (InvalidAfter(after) is { } problem)
        {
            return problem;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problems.BadRequest(
                "WebSocket expected",
                $"Connect with a WebSocket client, or read the same events as Server-Sent Events at /api/projects/{projectId}/events.");
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var subscriber = metrics.TrackSubscriber("websocket");
        activity.Touch(projectId);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Kiln stopping ends the sending too, with a close (1001), so a restart isn't held up by open sockets.
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(connection.Token, drain.Drained);
        // The client sends nothing but may close; reading is how a close is noticed.
        var closed = WatchForCloseAsync(socket, connection);
        var logger = loggers.CreateLogger(typeof(EventEndpoints));
        try
        {
            await foreach (var projectEvent in events.ReadAsync(projectId, after ?? 0, sending.Token))
            {
                await socket.SendAsync(projectEvent.Utf8Json, WebSocketMessageType.Text, endOfMessage: true, sending.Token);
            }

            // The project was deleted.
            await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "The project was deleted.");
        }
        catch (EventStreamOverflowException overflow)
        {
            LogOverflow(logger, projectId, overflow.LastDeliveredSeq);
            await CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, $"Too slow; reconnect with after={overflow.LastDeliveredSeq}");
        }
        catch (OperationCanceledException) when (drain.Drained.IsCancellationRequested && !connection.IsCancellationRequested)
        {
            await CloseAsync(socket, WebSocketCloseStatus.EndpointUnavailable, "Kiln is stopping; reconnect with after=N.");
        }
        catch (OperationCanceledException)
        {
            // The client closed: answer the close handshake if it is still open.
            await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "Closing.");
        }
        catch (WebSocketException)
        {
            // The connection broke; the client resumes with after=N.
        }
        finally
        {
            // Let the client answer the close handshake before the connection is torn down: cancelling a
            // pending receive aborts the socket.
            if (socket.State == WebSocketState.CloseSent)
            {
                await Task.WhenAny(closed, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
            }

            await connection.CancelAsync();
            await closed;
        }

        return TypedResults.Empty;
    }

    private static BadRequestProblem? InvalidAfter(long? after) => after < 0
        ? Problems.BadRequest("Bad 'after'", $"'after' is the seq of the last event you have, 0 or more; got {after}.")
        : null;

    private static async IAsyncEnumerable<SseItem<string>> SseItems(
        EventLog events, string projectId, long after, KilnMetrics metrics, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscriber = metrics.TrackSubscriber("sse");
        // The stream ends when Kiln stops, so a restart isn't held up by open streams; clients resume with after=N.
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        await using var enumerator = events.ReadAsync(projectId, after, connection.Token).GetAsyncEnumerator(connection.Token);
        while (true)
        {
            SseItem<string> item;
            var last = false;
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    yield break;
                }

                var current = enumerator.Current;
                item = new SseItem<string>(Encoding.UTF8.GetString(current.Utf8Json), current.Type)
                {
                    EventId = current.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
            }
            catch (EventStreamOverflowException overflow)
            {
                // Say why the stream ends, so a client knows to reconnect with after=N.
                item = new SseItem<string>(overflow.Message, "stream_overflow");
                last = true;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            yield return item;
            if (last)
            {
                yield break;
            }
        }
    }

    private static async Task WatchForCloseAsync(WebSocket socket, CancellationTokenSource connection)
    {
        var buffer = new byte[256];
        try
        {
            while (!connection.IsCancellationRequested)
            {
                var received = await socket.ReceiveAsync(buffer, connection.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            // Ends with the connection either way.
        }

        await connection.CancelAsync();
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseOutputAsync(status, reason, timeout.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
            {
                // The client is gone; nothing more to say to it.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closed a slow WebSocket subscriber of {ProjectId} at seq {Seq}")]
    private static partial void LogOverflow(ILogger logger, string projectId, long seq);
}
