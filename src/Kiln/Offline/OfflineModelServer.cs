using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Kiln.Offline;

/// <summary>
/// Serves the offline model as an Anthropic Messages API endpoint on a loopback port of its own, so both
/// runtimes (and the Claude Code CLI) reach it exactly as they would reach Anthropic's API. It listens only
/// on 127.0.0.1 and answers only requests carrying its per-process key.
/// </summary>
public sealed partial class OfflineModelServer(
    IOptions<OfflineModelOptions> options,
    ViteToolchain toolchain,
    ILogger<OfflineModelServer> logger) : IAsyncDisposable
{
    public const string ModelName = "kiln-offline";

    private readonly SemaphoreSlim _starting = new(1, 1);
    private WebApplication? _app;
    private Uri? _baseUrl;

    /// <summary>The key a client must send (<c>x-api-key</c> or a bearer token); new every process.</summary>
    public string ApiKey { get; } = "kiln-offline-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>The server's base URL, starting it on first use.</summary>
    public async Task<Uri> GetBaseUrlAsync(CancellationToken cancellationToken)
    {
        if (_baseUrl is { } url)
        {
            return url;
        }

        await _starting.WaitAsync(cancellationToken);
        try
        {
            return _baseUrl ??= await StartServerAsync(cancellationToken);
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>
    /// Starts the server and finds the stack now rather than on the first prompt, so the first app is as quick as
    /// the rest and the log says why it is built the way it is.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var url = await GetBaseUrlAsync(cancellationToken);
        LogListening(logger, url);
        var stack = await PreferredStackAsync(cancellationToken);
        var reason = await StackReasonAsync(cancellationToken);
        LogStack(logger, stack == OfflineAppStack.Vite ? "Vite + React + TypeScript" : "static HTML, CSS and JavaScript", options.Value.AppStack, reason);
    }

    /// <summary>What a new app is built with: the configured stack, or for auto, Vite when node and pnpm run in the sandbox.</summary>
    public async Task<OfflineAppStack> PreferredStackAsync(CancellationToken cancellationToken) => options.Value.AppStack switch
    {
        OfflineAppStack.Vite => OfflineAppStack.Vite,
        OfflineAppStack.Static => OfflineAppStack.Static,
        _ => (await toolchain.GetStatusAsync(cancellationToken)).Usable ? OfflineAppStack.Vite : OfflineAppStack.Static,
    };

    private async Task<string> StackReasonAsync(CancellationToken cancellationToken) => options.Value.AppStack == OfflineAppStack.Auto
        ? (await toolchain.GetStatusAsync(cancellationToken)).Description
        : "as configured";

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _starting.Dispose();
    }

    private async Task<Uri> StartServerAsync(CancellationToken cancellationToken)
    {
        // An empty builder: none of Kiln's configuration (its URLs, its logging) applies to this endpoint.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.MapPost("/v1/messages", HandleMessagesAsync);
        app.MapPost("/v1/messages/count_tokens", HandleCountTokensAsync);
        app.MapFallback((HttpContext context) => MessagesApiWriter.WriteErrorAsync(
            context.Response, StatusCodes.Status404NotFound, "not_found_error", "The offline model serves only /v1/messages.", context.RequestAborted));
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address);
    }

    private async Task HandleMessagesAsync(HttpContext context)
    {
        if (await ReadAuthorizedRequestAsync(context) is not { } request)
        {
            return;
        }

        var reply = OfflineModel.Reply(request.RootElement, await PreferredStackAsync(context.RequestAborted));
        var id = "msg_offline_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var stream = request.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (stream)
        {
            await MessagesApiWriter.WriteStreamAsync(context.Response, reply, id, ModelName, context.RequestAborted);
        }
        else
        {
            await MessagesApiWriter.WriteJsonAsync(context.Response, reply, id, ModelName, context.RequestAborted);
        }

        request.Dispose();
    }

    private async Task HandleCountTokensAsync(HttpContext context)
    {
        using var request = await ReadAuthorizedRequestAsync(context);
        if (request is not null)
        {
            await context.Response.WriteAsJsonAsync(new { input_tokens = Math.Max(1, request.RootElement.GetRawText().Length / 4) }, context.RequestAborted);
        }
    }

    private async Task<JsonDocument?> ReadAuthorizedRequestAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        var presented = headers["x-api-key"].ToString() is { Length: > 0 } key ? key : headers.Authorization.ToString().Replace("Bearer ", "", StringComparison.Ordinal);
        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(ApiKey)))
        {
            await MessagesApiWriter.WriteErrorAsync(context.Response, StatusCodes.Status401Unauthorized, "authentication_error", "invalid x-api-key", context.RequestAborted);
            return null;
        }

        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException exception)
        {
            await MessagesApiWriter.WriteErrorAsync(context.Response, StatusCodes.Status400BadRequest, "invalid_request_error", $"The body is not JSON: {exception.Message}", context.RequestAborted);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No Anthropic API key is set: generations use Kiln's offline model at {Url}")]
    private static partial void LogListening(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Information, Message = "The offline model builds new apps with {Stack} (Kiln:Agent:Offline:AppStack={Configured}: {Reason})")]
    private static partial void LogStack(ILogger logger, string stack, OfflineAppStack configured, string reason);
}
