using Kiln.Offline;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>
/// With no Anthropic key the offline model is the model in use, so it is started with Kiln rather than on the
/// first prompt; with a key it starts only if something asks for it.
/// </summary>
public sealed class OfflineModelWarmup(IOptions<AnthropicOptions> anthropic, OfflineModelServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(anthropic.Value.ApiKey) ? server.WarmUpAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
