using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kiln.Testing;

/// <summary>
/// A real Kestrel server on 127.0.0.1 that speaks OpenAI's chat completions (<c>POST /v1/chat/completions</c>, streamed
/// as server-sent chunks the way OpenAI streams text and tool calls, with usage in a last chunk) and lists its models
/// (<c>GET /v1/models</c>). Its replies come from a script; every request body is recorded. Give a client
/// <see cref="BaseUrl"/> as OPENAI_BASE_URL.
/// </summary>
public sealed class ScriptedOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<JsonObject, ScriptedReply> _script;
    private readonly Lock _gate = new();
    private readonly List<JsonObject> _requests = [];
    private int _nextId;

    private ScriptedOpenAIServer(WebApplication app, Func<JsonObject, ScriptedReply> script, IReadOnlyList<string> models)
    {
        _app = app;
        _script = script;
        Models = models;
    }

    /// <summary>The API root including <c>/v1</c>, e.g. <c>http://127.0.0.1:40123/v1</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The model ids <c>GET /v1/models</c> lists.</summary>
    public IReadOnlyList<string> Models { get; }

    /// <summary>Every chat completions request body, in arrival order.</summary>
    public IReadOnlyList<JsonObject> Requests
    {
        get { lock (_gate) { return [.. _requests]; } }
    }

    /// <summary>Starts a server answering each request with <paramref name="script"/> applied to its body.</summary>
    public static async Task<ScriptedOpenAIServer> StartAsync(Func<JsonObject, ScriptedReply> script, params string[] models)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedOpenAIServer(app, script, models);
        app.MapPost("/v1/chat/completions", server.AnswerAsync);
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = server.Models.Select(id => new { id, @object = "model", created = 1_700_000_000, owned_by = "scripted" }),
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = address.TrimEnd('/') + "/v1";
        return server;
    }

    /// <summary>How many tool results (messages with role <c>tool</c>) a request carried.</summary>
    public static int ToolResults(JsonObject request) =>
        (request["messages"] as JsonArray ?? []).Count(message => message?["role"]?.GetValue<string>() == "tool");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!.AsObject();
        ScriptedReply reply;
        lock (_gate)
        {
            _requests.Add(body);
            reply = _script(body);
        }

        var id = $"chatcmpl-{Interlocked.Increment(ref _nextId)}";
        var model = body["model"]?.GetValue<string>() ?? "scripted";
        context.Response.ContentType = "text/event-stream";
        var toolIndex = 0;
        await SendAsync(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
        foreach (var content in reply.Content)
        {
            switch (content)
            {
                case ScriptedText text:
                    // Text arrives in pieces, as it does from OpenAI.
                    foreach (var piece in new[] { text.Value[..(text.Value.Length / 2)], text.Value[(text.Value.Length / 2)..] })
                    {
                        await SendAsync(Chunk(new JsonObject { ["content"] = piece }, null));
                    }

                    break;
                case ScriptedToolUse call:
                    // A tool call opens with its id and name, then its arguments come as string fragments.
                    var index = toolIndex++;
                    await SendAsync(Chunk(new JsonObject
                    {
                        ["tool_calls"] = new JsonArray(new JsonObject
                        {
                            ["index"] = index,
                            ["id"] = call.Id ?? $"call_{_nextId}_{index}",
                            ["type"] = "function",
                            ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" },
                        }),
                    }, null));
                    var arguments = call.Input.ToJsonString();
                    foreach (var piece in new[] { arguments[..(arguments.Length / 2)], arguments[(arguments.Length / 2)..] })
                    {
                        await SendAsync(Chunk(new JsonObject
                        {
                            ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = index, ["function"] = new JsonObject { ["arguments"] = piece } }),
                        }, null));
                    }

                    break;
            }
        }

        await SendAsync(Chunk(new JsonObject(), toolIndex > 0 ? "tool_calls" : "stop"));
        await SendAsync(new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = reply.InputTokens,
                ["completion_tokens"] = reply.OutputTokens,
                ["total_tokens"] = reply.InputTokens + reply.OutputTokens,
                ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
            },
        });
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);

        JsonObject Chunk(JsonObject delta, string? finishReason) => new()
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };

        async Task SendAsync(JsonObject data)
        {
            await context.Response.WriteAsync($"data: {data.ToJsonString()}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }
}
