using Kiln.Preview;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Kiln.Fleet;

/// <summary>
/// Sends a request to the instance that owns its project, with YARP's forwarder (WebSockets included, so a
/// preview's HMR works through any instance), and streams the answer back. The request goes as it came (its
/// Host, so a preview host stays one; its bearer token, so the owner authenticates it again) plus
/// <see cref="Header"/>, which tells the owner not to forward it further.
/// </summary>
public sealed class OwnerForwarder(IHttpForwarder forwarder, ThisInstance self, ILogger<OwnerForwarder> logger) : IDisposable
{
    /// <summary>Marks a forwarded request with the id of the instance that forwarded it.</summary>
    public const string Header = "Kiln-Forwarded-By";

    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(120) };

    // A preview's HMR socket is quiet for as long as nobody edits.
    private static readonly ForwarderRequestConfig UpgradeConfig = new() { ActivityTimeout = TimeSpan.FromDays(1) };

    // Instances talk to each other directly, and the request passes as it came, exactly as to a dev server.
    private readonly HttpMessageInvoker _client = new(ForwardingHandler.Create());

    public static bool WasForwarded(HttpRequest request) => request.Headers.ContainsKey(Header);

    /// <summary>Forwards the request to <paramref name="owner"/>; when the owner cannot be reached, answers 502 itself.</summary>
    public async Task ForwardAsync(HttpContext context, FleetInstance owner)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
                      || context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true };
        var error = await forwarder.SendAsync(
            context, owner.Url.GetLeftPart(UriPartial.Authority), _client, upgrade ? UpgradeConfig : RequestConfig, new Transformer(self.Id));

        if (error is ForwarderError.None or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
            or ForwarderError.ResponseBodyCanceled or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled)
        {
            return;
        }

        logger.ForwardFailed(context.Request.Method, context.Request.Path, owner.Id, owner.Url, error.ToString(), context.GetForwarderErrorFeature()?.Exception);
        if (!context.Response.HasStarted)
        {
            context.Response.Headers.RetryAfter = "1";
            await Results.Problem(
                title: "The project's instance did not answer",
                detail: $"Kiln instance {owner.Id}, which runs this project, did not answer ({error}). Try again in a moment: " +
                        "if it has stopped, another instance takes the project over as soon as the cluster declares it dead.",
                statusCode: StatusCodes.Status502BadGateway).ExecuteAsync(context);
        }
    }

    public void Dispose() => _client.Dispose();

    private sealed class Transformer(string instanceId) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(
            HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Host = httpContext.Request.Host.Value;
            proxyRequest.Headers.Remove(Header);
            proxyRequest.Headers.TryAddWithoutValidation(Header, instanceId);
        }
    }
}
