using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Kiln.ClaudeAgent;

// One CLI process and the stream-json protocol with it. A single reader task owns stdout: SDK
// messages go to Messages; control responses complete our requests; control requests from the
// CLI (permission questions, hooks, MCP traffic) are answered concurrently, each in its own task,
// so a slow tool never holds up the stream.
internal sealed class ControlProtocol : IAsyncDisposable
{
    private readonly CliProcess _process;
    private readonly ClaudeAgentOptions _options;
    private readonly SdkMcpBridge _mcp;
    private readonly Dictionary<string, HookCallback> _hooks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Subtype, TaskCompletionSource<JsonObject> Reply)> _pending = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _answering = new();
    private readonly ConcurrentDictionary<Task, byte> _handlers = new();
    private readonly CancellationTokenSource _lifetime = new();
    // Unbounded: the reader must keep draining stdout (and answering control requests) even when the
    // consumer is slow, or a tool call waiting on a reply would deadlock the CLI. The model's pace
    // bounds it in practice.
    private readonly Channel<Message> _messages = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Task _reader;
    private volatile bool _closing;
    private volatile Exception? _failure;
    private long _nextRequestId;

    public ControlProtocol(CliProcess process, ClaudeAgentOptions options)
    {
        _process = process;
        _options = options;
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
            hooks[hookEvent.ToString()] = wire;
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
        if (_options.SystemPrompt is not null)
        {
            request["systemPrompt"] = new JsonArray(JsonValue.Create(_options.SystemPrompt));
        }
        if (_options.AppendSystemPrompt is not null)
        {
            request["appendSystemPrompt"] = _options.AppendSystemPrompt;
        }
        return await RequestAsync(request, cancellationToken);
    }

    public async Task<JsonObject> RequestAsync(JsonObject request, CancellationToken cancellationToken)
    {
        var subtype = request.Str("subtype") ?? "";
        var id = $"req_{Interlocked.Increment(ref _nextRequestId)}_{Guid.NewGuid():N}";
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
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
        try
        {
            await _process.WriteLineAsync(frame.ToJsonString(), cancellationToken);
        }
        catch (IOException e)
        {
            // A broken pipe means the CLI is gone; report why (its exit code and stderr, which the
            // reader works out once stdout ends), not the pipe.
            await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
            throw _failure ?? new ClaudeAgentException("The Claude Code CLI is no longer reading its input.", e);
        }
    }

    private async Task ReadAsync()
    {
        Exception? failure = null;
        try
        {
            await foreach (var line in _process.ReadLinesAsync(_lifetime.Token))
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                var frame = Message.ParseObject(line);
                switch (frame.Str("type"))
                {
                    case "control_response":
                        Complete(frame.Obj("response"));
                        break;
                    case "control_request":
                        Answer(frame);
                        break;
                    case "control_cancel_request":
                        if (frame.Str("request_id") is { } cancelled && _answering.TryGetValue(cancelled, out var answering))
                        {
                            await answering.CancelAsync();
                        }
                        break;
                    default:
                        _messages.Writer.TryWrite(Message.FromJson(frame));
                        break;
                }
            }
            var exitCode = await _process.WaitForExitAsync(CancellationToken.None);
            if (exitCode != 0 && !_closing)
            {
                failure = new CliProcessException(exitCode, _process.StderrTail);
            }
        }
        catch (MessageDecodeException e)
        {
            failure = e;
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Disposed while reading.
        }
        catch (IOException) when (_closing)
        {
            // The pipe went away because we killed the process.
        }

        _failure = failure ?? new ClaudeAgentException("The Claude Code CLI has closed the session.");
        _messages.Writer.TryComplete(failure);
        foreach (var (_, reply) in _pending.Values)
        {
            reply.TrySetException(_failure);
        }
    }

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
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        _answering[id] = cancel;
        var handler = AnswerAsync(id, frame.Obj("request"), cancel);
        _handlers[handler] = 0;
        handler.ContinueWith(t => _handlers.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task AnswerAsync(string id, JsonObject request, CancellationTokenSource cancel)
    {
        JsonObject response;
        try
        {
            // Off the reader's stack: a callback must not run inline with stdout reading.
            await Task.Yield();
            var payload = await DispatchAsync(request, cancel.Token);
            response = new JsonObject { ["subtype"] = "success", ["request_id"] = id, ["response"] = payload };
        }
        catch (Exception e) when (!_lifetime.IsCancellationRequested)
        {
            // The protocol's one error handler: whatever a callback or tool throws becomes this
            // request's error answer, which the CLI reports to the model; the session carries on.
            response = new JsonObject { ["subtype"] = "error", ["request_id"] = id, ["error"] = e.Message };
        }
        catch (OperationCanceledException)
        {
            return;
        }
        finally
        {
            _answering.TryRemove(id, out _);
            cancel.Dispose();
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
        await _process.StopAsync(_options.ShutdownTimeout);
        // Whatever is still in flight (reading, answering) is abandoned, not awaited to completion.
        await _lifetime.CancelAsync();
        await _reader;
        await Task.WhenAll(_handlers.Keys);
        await _process.DisposeAsync();
        await _mcp.DisposeAsync();
        _lifetime.Dispose();
    }
}
