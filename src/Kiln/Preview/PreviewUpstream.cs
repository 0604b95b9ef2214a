namespace Kiln.Preview;

/// <summary>
/// The one HTTP client to the dev servers, for the proxy and the readiness probe alike. It talks to 127.0.0.1
/// only, through the <see cref="ForwardingHandler"/> every forwarder in Kiln uses.
/// </summary>
public sealed class PreviewUpstream : IDisposable
{
    public HttpMessageInvoker Invoker { get; } = new(ForwardingHandler.Create());

    public void Dispose() => Invoker.Dispose();
}
