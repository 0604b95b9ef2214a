using Kiln.Offline;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>
/// Picks the model endpoint for a generation: Anthropic's API when a key is configured, else Kiln's
/// offline model.
/// </summary>
public sealed class ModelEndpointResolver(IOptions<AnthropicOptions> anthropic, IOptions<AgentOptions> agent, OfflineModelServer offline)
{
    public static readonly Uri AnthropicApi = new("https://api.anthropic.com");

    public bool UsesOfflineModel => string.IsNullOrWhiteSpace(anthropic.Value.ApiKey);

    public async Task<ModelEndpoint> ResolveAsync(CancellationToken cancellationToken) =>
        UsesOfflineModel
            ? new ModelEndpoint(await offline.GetBaseUrlAsync(cancellationToken), offline.ApiKey, OfflineModelServer.ModelName, IsOffline: true)
            : new ModelEndpoint(anthropic.Value.BaseUrl ?? AnthropicApi, anthropic.Value.ApiKey!, agent.Value.Model, IsOffline: false);

    /// <summary>The model name a new project records, without starting anything.</summary>
    public string ModelName => UsesOfflineModel ? OfflineModelServer.ModelName : agent.Value.Model;
}
