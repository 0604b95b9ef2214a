using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kiln.Testing;

/// <summary>
/// A real Kestrel server on 127.0.0.1 that speaks the Anthropic Messages API (streamed SSE and plain
/// JSON) and answers from a script, so a client under test (the Claude Code CLI, the Anthropic SDK)
/// runs its real HTTP path against a model whose every reply the test decides. It records every
/// request for assertions on what the client sent.
/// </summary>
/// <remarks>
/// A reply comes from the queue filled by <see cref="Enqueue"/>, else from the script function, else
/// <see cref="WhenExhausted"/>. Requests that <see cref="IsSideCall"/> recognises as a client's
/// housekeeping (quota probes, title generation) get <see cref="SideCallReply"/> and leave the script
/// alone, so a test scripts only the conversation it cares about.
/// </remarks>
public sealed class ScriptedModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<ScriptedRequest, ScriptedReply>? _script;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly Queue<ScriptedReply> _queue = new();
    private readonly List<ScriptedRequest> _requests = [];
    private readonly List<string> _otherRequests = [];
    private readonly List<(Func<ScriptedRequest, bool> Match, TaskCompletionSource<ScriptedRequest> Done)> _waiters = [];
    private int _nextId;

    private ScriptedModelServer(WebApplication app, Func<ScriptedRequest, ScriptedReply>? script)
    {
        _app = app;
        _script = script;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:40123</c>; give it to a client as ANTHROPIC_BASE_URL.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>
    /// Decides which requests are a client's side calls, answered by <see cref="SideCallReply"/> without
    /// consuming the script. The default recognises the Claude Code CLI's: one-token probes (quota and
    /// model checks, <c>max_tokens</c> 1) and structured-output helpers such as title generation.
    /// </summary>
    public Func<ScriptedRequest, bool> IsSideCall { get; set; } = DefaultIsSideCall;

    /// <summary>The answer to side calls.</summary>
    public ScriptedReply SideCallReply { get; set; } = ScriptedReply.Text("""{"title":"Scripted session"}""");

    /// <summary>
    /// The answer when the queue is empty and there is no script function. It ends the turn rather
    /// than failing, because an HTTP error would make a client retry with back-off and slow the test.
    /// </summary>
    public ScriptedReply WhenExhausted { get; set; } = ScriptedReply.Text("[scripted model: the script has no reply left]");

    /// <summary>
    /// When set, the usage of every reply is what Anthropic would bill for the request (its prompt cache simulated),
    /// instead of the reply's scripted input tokens.
    /// </summary>
    public PromptCacheSimulator? PromptCache { get; set; }

    /// <summary>Every Messages API request received so far, side calls included, in arrival order.</summary>
    public IReadOnlyList<ScriptedRequest> Requests
    {
        get { lock (_gate) { return [.. _requests]; } }
    }

    /// <summary>The requests the script answered (side calls left out), in arrival order.</summary>
    public IReadOnlyList<ScriptedRequest> ScriptedRequests
    {
        get { lock (_gate) { return [.. _requests.Where(r => !r.IsSideCall)]; } }
    }

    /// <summary>Requests outside the Messages API, as <c>"METHOD /path"</c>; a client's other traffic shows up here.</summary>
    public IReadOnlyList<string> OtherRequests
    {
        get { lock (_gate) { return [.. _otherRequests]; } }
    }

    /// <summary>Starts a server whose replies come from <see cref="Enqueue"/>d replies, then <paramref name="script"/>.</summary>
    /// <param name="script">Answers a request when the queue is empty; null means <see cref="WhenExhausted"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<ScriptedModelServer> StartAsync(
        Func<ScriptedRequest, ScriptedReply>? script = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        // Hanging replies end when the server stops; nothing should hold a test's dispose for long.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var server = new ScriptedModelServer(app, script);

        app.MapPost("/v1/messages", server.AnswerMessagesAsync);
        app.MapPost("/v1/messages/count_tokens", CountTokensAsync);
        app.MapGet("/v1/models", () => Results.Json(new { data = Array.Empty<object>(), has_more = false }));
        app.MapFallback(server.AnswerOther);

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Single();
        server.BaseUrl = address.TrimEnd('/');
        return server;
    }

    /// <summary>Queues replies; each scripted request takes the next one.</summary>
    public void Enqueue(params ScriptedReply[] replies)
    {
        lock (_gate)
        {
            foreach (var reply in replies)
            {
                _queue.Enqueue(reply);
            }
        }
    }

    /// <summary>
    /// Completes when a request matching <paramref name="match"/> has arrived (one already received
    /// counts), e.g. to interrupt a client only once its hanging request is in flight.
    /// </summary>
    public Task<ScriptedRequest> WaitForRequestAsync(Func<ScriptedRequest, bool> match, CancellationToken cancellationToken)
    {
        TaskCompletionSource<ScriptedRequest> done;
        lock (_gate)
        {
            if (_requests.FirstOrDefault(match) is { } seen)
            {
                return Task.FromResult(seen);
            }
            done = new TaskCompletionSource<ScriptedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops the server; replies still hanging are cut off.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>The default <see cref="IsSideCall"/>.</summary>
    public static bool DefaultIsSideCall(ScriptedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.MaxTokens <= 1 || request.Body["output_config"]?["format"] is not null;
    }

    private async Task AnswerMessagesAsync(HttpContext context)
    {
        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject
                ?? throw new JsonException("The body is not a JSON object.");
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(context, new ScriptedError(400, "invalid_request_error", e.Message));
            return;
        }

        var (request, reply) = Take(context, body);
        var billed = PromptCache?.Bill(body);
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            if (reply.Delay > TimeSpan.Zero)
            {
                await Task.Delay(reply.Delay, cut.Token);
            }
            if (reply.Gate is { } gate)
            {
                await gate.WaitAsync(cut.Token);
            }
            if (reply.Error is { } error)
            {
                await WriteErrorAsync(context, error);
            }
            else if (request.Stream)
            {
                await StreamAsync(context, request, reply, billed, cut.Token);
            }
            else if (reply.Hang)
            {
                await Task.Delay(Timeout.Infinite, cut.Token);
            }
            else
            {
                // Clients parse the body as JSON only when the content type says so.
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(Message(request, reply, Ids(reply), billed).ToJsonString(), cut.Token);
            }
        }
        catch (OperationCanceledException) when (cut.IsCancellationRequested)
        {
            // The client gave up on the request or the server is stopping: leave the reply unfinished,
            // as a dropped connection would.
            context.Abort();
        }
    }

    private (ScriptedRequest Request, ScriptedReply Reply) Take(HttpContext context, JsonObject body)
    {
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var path = context.Request.Path + context.Request.QueryString;
        ScriptedRequest request;
        ScriptedReply reply;
        List<TaskCompletionSource<ScriptedRequest>> woken;
        lock (_gate)
        {
            request = new ScriptedRequest { Index = _requests.Count, Path = path, Headers = headers, Body = body };
            request = request with { IsSideCall = IsSideCall(request) };
            reply = request.IsSideCall ? SideCallReply
                : _queue.TryDequeue(out var queued) ? queued
                : _script?.Invoke(request) ?? WhenExhausted;
            _requests.Add(request);
            woken = [.. _waiters.Where(w => w.Match(request)).Select(w => w.Done)];
            _waiters.RemoveAll(w => woken.Contains(w.Done));
        }
        foreach (var done in woken)
        {
            done.TrySetResult(request);
        }
        return (request, reply);
    }

    // Tool-use ids are made once per reply so the streamed and the JSON form agree.
    private string[] Ids(ScriptedReply reply) =>
        [.. reply.Content.Select(c => c is ScriptedToolUse { Id: { } id } ? id : $"toolu_scripted_{Interlocked.Increment(ref _nextId):D4}")];

    private JsonObject Message(ScriptedRequest request, ScriptedReply reply, string[] ids, SimulatedUsage? billed) => new()
    {
        ["id"] = $"msg_scripted_{Interlocked.Increment(ref _nextId):D4}",
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = request.Model ?? "scripted",
        ["content"] = new JsonArray([.. reply.Content.Select((c, i) => Block(c, ids[i], complete: true))]),
        ["stop_reason"] = reply.StopReason,
        ["stop_sequence"] = null,
        ["usage"] = Usage(reply, reply.OutputTokens, billed),
    };

    private static JsonObject Block(ScriptedContent content, string id, bool complete) => content switch
    {
        ScriptedText t => new() { ["type"] = "text", ["text"] = complete ? t.Value : "" },
        ScriptedToolUse u => new()
        {
            ["type"] = "tool_use",
            ["id"] = id,
            ["name"] = u.Name,
            ["input"] = complete ? u.Input.DeepClone() : new JsonObject(),
        },
        _ => throw new InvalidOperationException($"Unknown scripted content {content.GetType().Name}."),
    };

    private static JsonObject Usage(ScriptedReply reply, int output, SimulatedUsage? billed) => new()
    {
        ["input_tokens"] = billed?.FullPrice ?? reply.InputTokens,
        ["output_tokens"] = output,
        ["cache_creation_input_tokens"] = billed?.CacheWrite ?? 0,
        ["cache_read_input_tokens"] = billed?.CacheRead ?? 0,
    };

    private async Task StreamAsync(HttpContext context, ScriptedRequest request, ScriptedReply reply, SimulatedUsage? billed, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var ids = Ids(reply);
        var start = Message(request, reply, ids, billed);
        start["content"] = new JsonArray();
        start["stop_reason"] = null;
        start["usage"] = Usage(reply, 1, billed);
        await SendAsync("message_start", new() { ["type"] = "message_start", ["message"] = start });

        if (reply.Hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        for (var index = 0; index < reply.Content.Count; index++)
        {
            var content = reply.Content[index];
            await SendAsync("content_block_start", new()
            {
                ["type"] = "content_block_start",
                ["index"] = index,
                ["content_block"] = Block(content, ids[index], complete: false),
            });
            // Split each block over two deltas: a client must assemble them, as it must for the real API.
            var (deltaType, field, whole) = content switch
            {
                ScriptedText t => ("text_delta", "text", t.Value),
                ScriptedToolUse u => ("input_json_delta", "partial_json", u.Input.ToJsonString()),
                _ => throw new InvalidOperationException($"Unknown scripted content {content.GetType().Name}."),
            };
            foreach (var piece in new[] { whole[..(whole.Length / 2)], whole[(whole.Length / 2)..] })
            {
                await SendAsync("content_block_delta", new()
                {
                    ["type"] = "content_block_delta",
                    ["index"] = index,
                    ["delta"] = new JsonObject { ["type"] = deltaType, [field] = piece },
                });
            }
            await SendAsync("content_block_stop", new() { ["type"] = "content_block_stop", ["index"] = index });
        }

        await SendAsync("message_delta", new()
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = reply.StopReason, ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = reply.OutputTokens },
        });
        await SendAsync("message_stop", new() { ["type"] = "message_stop" });

        async Task SendAsync(string name, JsonObject data)
        {
            await context.Response.WriteAsync($"event: {name}\ndata: {data.ToJsonString()}\n\n", cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, ScriptedError error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.Headers["x-should-retry"] = error.ShouldRetry ? "true" : "false";
        var body = new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = error.Type, ["message"] = error.Message },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static async Task CountTokensAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        // About four characters a token, like the real tokenizer on English; close enough for a client's estimates.
        await context.Response.WriteAsJsonAsync(new { input_tokens = Math.Max(1, text.Length / 4) }, context.RequestAborted);
    }

    private Task AnswerOther(HttpContext context)
    {
        lock (_gate)
        {
            _otherRequests.Add($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        }
        // Connectivity checks (HEAD /api/hello) only want to hear that the host is up.
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }
        return WriteErrorAsync(context, new ScriptedError(404, "not_found_error", $"The scripted model does not serve {context.Request.Path}."));
    }
}
