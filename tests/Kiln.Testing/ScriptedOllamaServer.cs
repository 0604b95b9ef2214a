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
/// A real Kestrel server on 127.0.0.1 that speaks Ollama's API: <c>POST /api/chat</c> streamed as newline-delimited JSON
/// (text in pieces, tool calls whole, counts in the last line), <c>GET /api/tags</c> and <c>POST /api/show</c> with each
/// model's capabilities. Give a client <see cref="BaseUrl"/> as OLLAMA_HOST.
/// </summary>
public sealed class ScriptedOllamaServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<JsonObject, ScriptedReply> _script;
    private readonly IReadOnlyDictionary<string, string[]> _models;
    private readonly Lock _gate = new();
    private readonly List<JsonObject> _requests = [];

    private ScriptedOllamaServer(WebApplication app, Func<JsonObject, ScriptedReply> script, IReadOnlyDictionary<string, string[]> models)
    {
        _app = app;
        _script = script;
        _models = models;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Every <c>/api/chat</c> request body, in arrival order.</summary>
    public IReadOnlyList<JsonObject> Requests
    {
        get { lock (_gate) { return [.. _requests]; } }
    }

    /// <summary>Starts a server with the given installed models and their capabilities (<c>completion</c>, <c>tools</c>, <c>vision</c>).</summary>
    public static async Task<ScriptedOllamaServer> StartAsync(Func<JsonObject, ScriptedReply> script, IReadOnlyDictionary<string, string[]> models)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedOllamaServer(app, script, models);
        app.MapPost("/api/chat", server.ChatAsync);
        app.MapGet("/api/tags", () => Results.Json(new
        {
            models = server._models.Keys.Select(name => new { name, model = name, modified_at = "2026-01-01T00:00:00Z", size = 1, digest = "scripted" }),
        }));
        app.MapPost("/api/show", async (HttpContext context) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!.AsObject();
            var name = body["model"]?.GetValue<string>() ?? body["name"]?.GetValue<string>() ?? "";
            return server._models.TryGetValue(name, out var capabilities)
                ? Results.Json(new { capabilities, details = new { family = "scripted" }, model_info = new { } })
                : Results.Json(new { error = $"model '{name}' not found" }, statusCode: 404);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = address.TrimEnd('/');
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

    private async Task ChatAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!.AsObject();
        ScriptedReply reply;
        lock (_gate)
        {
            _requests.Add(body);
            reply = _script(body);
        }

        var model = body["model"]?.GetValue<string>() ?? "scripted";
        context.Response.ContentType = "application/x-ndjson";
        foreach (var content in reply.Content)
        {
            switch (content)
            {
                case ScriptedText text:
                    foreach (var piece in new[] { text.Value[..(text.Value.Length / 2)], text.Value[(text.Value.Length / 2)..] })
                    {
                        await SendAsync(Line(new JsonObject { ["role"] = "assistant", ["content"] = piece }, done: false));
                    }

                    break;
                case ScriptedToolUse call:
                    await SendAsync(Line(new JsonObject
                    {
                        ["role"] = "assistant",
                        ["content"] = "",
                        ["tool_calls"] = new JsonArray(new JsonObject
                        {
                            ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Input.DeepClone() },
                        }),
                    }, done: false));
                    break;
            }
        }

        var last = Line(new JsonObject { ["role"] = "assistant", ["content"] = "" }, done: true);
        last["done_reason"] = "stop";
        last["total_duration"] = 1_000_000;
        last["prompt_eval_count"] = reply.InputTokens;
        last["eval_count"] = reply.OutputTokens;
        await SendAsync(last);

        JsonObject Line(JsonObject message, bool done) => new()
        {
            ["model"] = model,
            ["created_at"] = "2026-01-01T00:00:00Z",
            ["message"] = message,
            ["done"] = done,
        };

        async Task SendAsync(JsonObject line)
        {
            await context.Response.WriteAsync(line.ToJsonString() + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }
}
