using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Kiln.ClaudeAgent;

// One CLI process and the stream-json protocol with it. A single reader task owns stdout: SDK
// messages go to Messages; control responses complete our requests; control requests from the
// CLI (permission questions, hooks, MCP traffic) are answered concurrently, each in its own task,
// so a slow tool never holds up the stream.
internal sealed class ControlProtocol : IAsyncDisposable
{
    // How long disposal waits, after the kill, for the reader, the handlers and the SDK MCP servers.
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(1);

    private readonly CliProcess _process;
    private readonly ClaudeAgentOptions _options;
    private readonly ILogger _logger;
    private readonly SdkMcpBridge _mcp;
    private readonly Dictionary<string, HookCallback> _hooks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Subtype, TaskCompletionSource<JsonObject> Reply)> _pending = new();
    private readonly ConcurrentDictionary<string, InboundRequest> _answering = new();
    private readonly ConcurrentDictionary<Task, byte> _handlers = new();
    private readonly CancellationTokenSource _lifetime = new();
    // Unbounded: the reader must keep draining stdout (and answering control requests) even when the
    // consumer is slow, or a tool call waiting on a reply would deadlock the CLI. The model's pace
    // bounds it in practice.
    private readonly Channel<Message> _messages = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleWriter = true });
    // The last lines of stdout that were not JSON: a CLI (or a wrapper around it) that fails before it
    // speaks the protocol often says why there, so they go into the error that ends the session.
    private readonly Queue<string> _skippedLines = new();
    private readonly Task _reader;
    private volatile bool _closing;
    private volatile Exception? _failure;
    private long _nextRequestId;

    public ControlProtocol(CliProcess process, ClaudeAgentOptions options, ILogger logger)
    {
        _process = process;
        _options = options;
        _logger = logger;
        _mcp = new SdkMcpBridge(
            options.McpServers.Where(s => s.Value is SdkMcpServer).Select(s => KeyValuePair.Create(s.Key, (SdkMcpServer)s.Value)),
            SendMcpToCliAsync);
        _reader = ReadAsync();
    }

    public ChannelReader<Message> Messages => _messages.Reader;

    public CliProcess Process => _process;

    public async Task<JsonObject> InitializeAsync(CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["subtype"] = "initialize" };
        var hooks = new JsonObject();
        foreach (var (hookEvent, matchers) in _options.Hooks)
        {
            var wire = new JsonArray();
            foreach (var matcher in matchers)
            {
                var ids = new JsonArray();
                foreach (var callback in matcher.Callbacks)
                {
                    var id = $"hook_{_hooks.Count}";
                    _hooks[id] = callback;
                    ids.Add(id);
                }
                var entry = new JsonObject { ["matcher"] = matcher.Matcher, ["hookCallbackIds"] = ids };
                if (matcher.Timeout is { } timeout)
                {
                    entry["timeout"] = timeout.TotalSeconds;
                }
                wire.Add(entry);
            }
            hooks[hookEvent.Name] = wire;
        }
        if (hooks.Count > 0)
        {
            request["hooks"] = hooks;
        }
        if (_mcp.Names.Count > 0)
        {
            // SDK servers are announced here, not in --mcp-config, as the TypeScript SDK does.
            request["sdkMcpServers"] = new JsonArray([.. _mcp.Names.Select(n => JsonValue.Create(n))]);
        }
        // No system prompt is an empty one, as the official SDKs send it.
        (_options.SystemPrompt ?? SystemPrompt.Custom("")).WriteTo(request);
        if (_options.Agents.Count > 0)
        {
            request["agents"] = new JsonObject(_options.Agents.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value.ToWire())));
        }
        if (_options.OutputFormat is { } format)
        {
            request["jsonSchema"] = format.Schema.DeepClone();
        }
        return await RequestAsync(request, cancellationToken);
    }

    public async Task<JsonObject> RequestAsync(JsonObject request, CancellationToken cancellationToken)
    {
        var subtype = request.Str("subtype") ?? "";
        var id = $"req_{Interlocked.Increment(ref _nextRequestId)}_{Guid.NewGuid():N}";
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Registered before _failure is read, and the reader sets _failure before it fails what is
        // registered: a request either sees the failure or is failed by the reader, never neither.
        _pending[id] = (subtype, reply);
        try
        {
            if (_failure is { } failure)
            {
                throw failure;
            }
            await WriteAsync(new JsonObject { ["type"] = "control_request", ["request_id"] = id, ["request"] = request }, cancellationToken);
            return await reply.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public async Task WriteAsync(JsonObject frame, CancellationToken cancellationToken)
    {
        // One buffer per frame, newline included, so the frame reaches the pipe in one write.
        var bytes = Encoding.UTF8.GetBytes(frame.ToJsonString() + "\n");
        try
        {
            await _process.WriteFrameAsync(bytes, cancellationToken);
        }
        catch (IOException e)
        {
            // A broken pipe means the CLI is gone; report why (its exit code and stderr, which the
            // reader works out once stdout ends), not the pipe.
            await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
            throw _failure ?? new ClaudeAgentException("The Claude Code CLI is no longer reading its input.", e);
        }
    }

    // The one task that reads stdout. Whatever happens, it completes the message stream (with the
    // failure, if there is one) and fails the requests still waiting for an answer.
    private async Task ReadAsync()
    {
        Exception? failure = null;
        try
        {
            await foreach (var line in _process.ReadLinesAsync())
            {
                if (ParseFrame(line) is not { } frame)
                {
                    continue;
                }
                switch (frame.Str("type"))
                {
                    case "control_response":
                        Complete(frame.Obj("response"));
                        break;
                    case "control_request":
                        Answer(frame);
                        break;
                    case "control_cancel_request":
                        Withdraw(frame.Str("request_id"));
                        break;
                    default:
                        _messages.Writer.TryWrite(Message.FromJson(frame));
                        break;
                }
            }
            failure = await ExitFailureAsync();
        }
        catch (Exception e)
        {
            // The reader's one error handler: a corrupt frame, a broken pipe or a bug in decoding ends
            // the session, and the consumer of the stream sees why.
            failure = e as ClaudeAgentException ?? new ClaudeAgentException($"Reading the Claude Code CLI's output failed: {e.Message}", e);
        }
        finally
        {
            _failure = failure ?? new ClaudeAgentException($"The Claude Code CLI has closed the session.{SkippedOutput()}");
            _messages.Writer.TryComplete(failure);
            foreach (var (_, reply) in _pending.Values)
            {
                reply.TrySetException(_failure);
            }
        }
    }

    // A line of stdout as a frame, or null for a line that carries none: blank, or not a JSON object at
    // all (a CLI build may print diagnostics such as "[SandboxDebug] ..." there). A line that starts
    // like an object but does not parse is corrupt, and losing it could lose an answer someone waits
    // for, so that one fails the session.
    private JsonObject? ParseFrame(string line)
    {
        var text = line.AsSpan().Trim();
        if (text.IsEmpty)
        {
            return null;
        }
        if (text[0] != '{')
        {
            var shown = line.Length <= 500 ? line : string.Concat(line.AsSpan(0, 500), "…");
            Log.SkippedLine(_logger, shown);
            lock (_skippedLines)
            {
                _skippedLines.Enqueue(shown);
                if (_skippedLines.Count > 10)
                {
                    _skippedLines.Dequeue();
                }
            }
            return null;
        }
        return Message.ParseObject(line);
    }

    // Why the session ended, once stdout has: the CLI's exit code, unless we are the ones closing it.
    private async Task<Exception?> ExitFailureAsync()
    {
        // stdout ends when the CLI exits; one that closes it and lives on is given a moment, then the
        // session is over anyway.
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        patience.CancelAfter(TimeSpan.FromSeconds(5));
        int exitCode;
        try
        {
            exitCode = await _process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            return _closing ? null : new ClaudeAgentException($"The Claude Code CLI closed its output but did not exit. stderr: {_process.StderrTail}");
        }
        return exitCode != 0 && !_closing ? new CliProcessException(exitCode, _process.StderrTail, SkippedLines()) : null;
    }

    private string SkippedLines()
    {
        lock (_skippedLines)
        {
            return string.Join('\n', _skippedLines);
        }
    }

    private string SkippedOutput() => SkippedLines() is { Length: > 0 } lines ? $" Its output that was not JSON: {lines}" : "";

    private void Complete(JsonObject response)
    {
        if (response.Str("request_id") is not { } id || !_pending.TryGetValue(id, out var pending))
        {
            // An answer to a request nobody waits for (e.g. one of the MCP server's own notifications).
            return;
        }
        if (response.Str("subtype") == "error")
        {
            pending.Reply.TrySetException(new ControlRequestException(pending.Subtype, response.Str("error") ?? "unknown error"));
        }
        else
        {
            pending.Reply.TrySetResult(response.Obj("response"));
        }
    }

    private void Answer(JsonObject frame)
    {
        var id = frame.Str("request_id") ?? "";
        var inbound = new InboundRequest(_lifetime.Token);
        _answering[id] = inbound;
        var handler = AnswerAsync(id, frame.Obj("request"), inbound);
        _handlers[handler] = 0;
        handler.ContinueWith(t => _handlers.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Withdraw(string? id)
    {
        if (id is not null && _answering.TryGetValue(id, out var inbound))
        {
            Log.ControlRequestWithdrawn(_logger, id);
            inbound.Withdraw();
        }
    }

    private async Task AnswerAsync(string id, JsonObject request, InboundRequest inbound)
    {
        var subtype = request.Str("subtype") ?? "";
        JsonObject? response;
        try
        {
            // Off the reader's stack: a callback must not run inline with stdout reading.
            await Task.Yield();
            var payload = await DispatchAsync(request, inbound.Token);
            response = new JsonObject { ["subtype"] = "success", ["request_id"] = id, ["response"] = payload };
        }
        catch (Exception e)
        {
            // The protocol's one error handler: whatever a callback or tool throws becomes this
            // request's error answer, which the CLI reports to the model; the session carries on.
            // A withdrawn request, or one still open when the client closes, gets no answer.
            Log.ControlRequestFailed(_logger, subtype, e);
            response = inbound.Token.IsCancellationRequested
                ? null
                : new JsonObject { ["subtype"] = "error", ["request_id"] = id, ["error"] = e.Message };
        }
        finally
        {
            _answering.TryRemove(id, out _);
            inbound.Dispose();
        }
        // A callback that ignored the withdrawal and answered anyway is not heard either: the CLI has
        // moved on, as the Python SDK's does.
        if (response is null || inbound.IsWithdrawn || _closing)
        {
            return;
        }
        try
        {
            await WriteAsync(new JsonObject { ["type"] = "control_response", ["response"] = response }, _lifetime.Token);
        }
        catch (Exception e) when (e is ClaudeAgentException or OperationCanceledException)
        {
            // The CLI is gone or we are closing; nobody is left to answer.
        }
    }

    private async Task<JsonObject> DispatchAsync(JsonObject request, CancellationToken cancellationToken)
    {
        switch (request.Str("subtype"))
        {
            case "can_use_tool":
                var canUseTool = _options.CanUseTool
                    ?? throw new InvalidOperationException("No permission callback (ClaudeAgentOptions.CanUseTool) is configured.");
                var input = request.Obj("input");
                var toolUseId = request.Str("tool_use_id");
                var decision = await canUseTool(new ToolPermissionRequest
                {
                    ToolName = request.Str("tool_name") ?? "",
                    Input = input,
                    ToolUseId = toolUseId,
                    DecisionReason = request.Str("decision_reason"),
                    Suggestions = [.. request.Objects("permission_suggestions").Select(PermissionUpdate.From)],
                    BlockedPath = request.Str("blocked_path"),
                    Raw = request,
                }, cancellationToken);
                return decision.ToWire(input, toolUseId);

            case "hook_callback":
                var callbackId = request.Str("callback_id") ?? "";
                var hook = _hooks.GetValueOrDefault(callbackId)
                    ?? throw new InvalidOperationException($"No hook is registered as '{callbackId}'.");
                var output = await hook(HookInput.From(request.Obj("input"), request.Str("tool_use_id")), cancellationToken);
                return output.ToWire();

            case "mcp_message":
                var reply = await _mcp.HandleAsync(request.Str("server_name") ?? "", request.Obj("message"), cancellationToken);
                return new JsonObject { ["mcp_response"] = reply };

            case var other:
                throw new NotSupportedException($"This host does not handle '{other}' control requests.");
        }
    }

    // What an SDK MCP server says on its own goes to the CLI as our request; its answer is not awaited.
    private Task SendMcpToCliAsync(string serverName, JsonNode message, CancellationToken cancellationToken) =>
        WriteAsync(new JsonObject
        {
            ["type"] = "control_request",
            ["request_id"] = $"mcp_{Interlocked.Increment(ref _nextRequestId)}_{Guid.NewGuid():N}",
            ["request"] = new JsonObject { ["subtype"] = "mcp_message", ["server_name"] = serverName, ["message"] = message },
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        // Bounded by ShutdownTimeout whatever is blocked (a write, a callback, the CLI itself); the
        // process tree is killed at the end of it.
        await _process.StopAsync(_options.ShutdownTimeout);
        // Whatever is still in flight (reading, answering) is cancelled and given one CleanupTimeout in
        // all, not awaited to completion: a callback that ignores its token does not hold the client open.
        await _lifetime.CancelAsync();
        using var cleanup = new CancellationTokenSource(CleanupTimeout);
        await Bounded(Task.WhenAll([_reader, .. _handlers.Keys]), cleanup.Token);
        // Normally the reader did this; if it is stuck, the stream still ends.
        var closed = new ClaudeAgentException("The client was disposed.");
        _failure ??= closed;
        _messages.Writer.TryComplete();
        foreach (var (_, reply) in _pending.Values)
        {
            reply.TrySetException(closed);
        }
        await _process.CloseAsync(cleanup.Token);
        await Bounded(_mcp.DisposeAsync().AsTask(), cleanup.Token);
        _lifetime.Dispose();
    }

    private static async Task Bounded(Task task, CancellationToken deadline)
    {
        try
        {
            await task.WaitAsync(deadline);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // Left behind: it ends by itself once the process and its pipes are gone.
        }
    }

    // A control request from the CLI while it is being answered. The CLI may withdraw it
    // (control_cancel_request): its token is then cancelled, and it gets no answer.
    private sealed class InboundRequest(CancellationToken lifetime) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        private volatile bool _withdrawn;

        public CancellationToken Token => _cancel.Token;

        public bool IsWithdrawn => _withdrawn;

        public void Withdraw()
        {
            _withdrawn = true;
            try
            {
                // Not awaited: the reader never waits on the callbacks registered with the token.
                _ = _cancel.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // It was answered meanwhile; there is nothing left to withdraw.
            }
        }

        public void Dispose() => _cancel.Dispose();
    }
}
