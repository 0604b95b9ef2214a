using Kiln.Offline;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>A model as named by a person, split into its provider and its name there.</summary>
public sealed record ModelChoice(string Provider, string Model);

/// <summary>
/// Turns a model's name into the endpoint that serves it. Names are <c>provider/model</c> (<c>openai/gpt-4.1-mini</c>,
/// <c>ollama/qwen2.5-coder:7b</c>, <c>openrouter/anthropic/claude-sonnet-4.5</c> for a named endpoint); a bare name is
/// Anthropic's (<c>claude-sonnet-4-5</c>), and <c>kiln-offline</c> is the offline model. A new project takes
/// <c>Kiln:Agent:Model</c> when its provider is configured, else the offline model.
/// </summary>
public sealed class ModelEndpointResolver(
    IOptions<AnthropicOptions> anthropic, IOptions<AgentOptions> agent, IOptions<ModelsOptions> models, OfflineModelServer offline)
{
    public static readonly Uri AnthropicApi = new("https://api.anthropic.com");
    public static readonly Uri OpenAIApi = new("https://api.openai.com/v1");
    public static readonly Uri OllamaHost = new("http://127.0.0.1:11434");

    /// <summary>No Anthropic key: the Claude Code CLI has nothing but the offline model to talk to.</summary>
    public bool UsesOfflineModel => string.IsNullOrWhiteSpace(anthropic.Value.ApiKey);

    /// <summary>The model a new project gets when its prompt names none.</summary>
    public string DefaultModel =>
        Parse(agent.Value.Model) is { } choice && Unavailable(choice) is null ? Name(choice) : OfflineModelServer.ModelName;

    /// <summary>The providers a person may name: the built-in ones and every configured endpoint.</summary>
    public IEnumerable<string> Providers =>
        [ModelEndpoint.Anthropic, ModelEndpoint.OpenAI, ModelEndpoint.Ollama, ModelEndpoint.Offline, .. models.Value.Endpoints.Keys];

    /// <summary>The provider and model of <paramref name="name"/>, or null when it names a provider Kiln does not know.</summary>
    public ModelChoice? Parse(string name)
    {
        name = name.Trim();
        if (name is OfflineModelServer.ModelName or ModelEndpoint.Offline || name.StartsWith(ModelEndpoint.Offline + "/", StringComparison.Ordinal))
        {
            return new ModelChoice(ModelEndpoint.Offline, OfflineModelServer.ModelName);
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return name.Length == 0 ? null : new ModelChoice(ModelEndpoint.Anthropic, name);
        }

        var provider = name[..slash].ToLowerInvariant();
        var model = name[(slash + 1)..];
        return model.Length > 0 && Providers.Contains(provider, StringComparer.OrdinalIgnoreCase) ? new ModelChoice(provider, model) : null;
    }

    /// <summary>The name a project records: bare for Anthropic and the offline model, <c>provider/model</c> otherwise.</summary>
    public static string Name(ModelChoice choice) =>
        choice.Provider is ModelEndpoint.Anthropic or ModelEndpoint.Offline ? choice.Model : $"{choice.Provider}/{choice.Model}";

    /// <summary>Why <paramref name="choice"/> cannot be used now (its provider has no key or address), or null.</summary>
    public string? Unavailable(ModelChoice choice) => choice.Provider switch
    {
        ModelEndpoint.Offline or ModelEndpoint.Ollama => null,
        ModelEndpoint.Anthropic when UsesOfflineModel => "Anthropic has no key: set ANTHROPIC_API_KEY (or Anthropic:ApiKey).",
        ModelEndpoint.OpenAI when string.IsNullOrWhiteSpace(models.Value.OpenAI.ApiKey) =>
            "OpenAI has no key: set OPENAI_API_KEY (or Kiln:Models:OpenAI:ApiKey), and OPENAI_BASE_URL for an OpenAI-compatible endpoint.",
        ModelEndpoint.Anthropic or ModelEndpoint.OpenAI => null,
        var name when models.Value.Endpoints.TryGetValue(name, out var endpoint) && endpoint.BaseUrl is null =>
            $"The endpoint '{name}' has no address: set Kiln:Models:Endpoints:{name}:BaseUrl.",
        _ => null,
    };

    /// <summary>The endpoint for a project's model; throws <see cref="AgentFailedException"/> when it cannot be used now.</summary>
    public async Task<ModelEndpoint> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        var choice = Parse(name) ?? throw new AgentFailedException(
            $"The model '{name}' names no provider Kiln knows ({string.Join(", ", Providers)}). Name another model in the prompt.");
        if (Unavailable(choice) is { } reason)
        {
            throw new AgentFailedException($"The model '{name}' cannot be used: {reason}");
        }

        var settings = models.Value;
        return choice.Provider switch
        {
            ModelEndpoint.Offline => new ModelEndpoint(
                ModelEndpoint.Offline, ModelApi.Messages, await offline.GetBaseUrlAsync(cancellationToken), offline.ApiKey, OfflineModelServer.ModelName),
            ModelEndpoint.Anthropic => new ModelEndpoint(
                ModelEndpoint.Anthropic, ModelApi.Messages, anthropic.Value.BaseUrl ?? AnthropicApi, anthropic.Value.ApiKey!, choice.Model),
            ModelEndpoint.OpenAI => new ModelEndpoint(
                ModelEndpoint.OpenAI, ModelApi.ChatCompletions, settings.OpenAI.BaseUrl ?? OpenAIApi, settings.OpenAI.ApiKey!, choice.Model),
            ModelEndpoint.Ollama => new ModelEndpoint(
                ModelEndpoint.Ollama, ModelApi.Ollama, settings.Ollama.BaseUrl ?? OllamaHost, "", choice.Model),
            var endpoint => new ModelEndpoint(
                endpoint, ModelApi.ChatCompletions, settings.Endpoints[endpoint].BaseUrl!, settings.Endpoints[endpoint].ApiKey ?? "none", choice.Model),
        };
    }
}
