using System.Net.Http.Headers;
using System.Text.Json;
using Kiln.Offline;
using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>A model Kiln can use now, and what it can do.</summary>
/// <param name="Id">What to send as <c>model</c> in <c>POST /api/generate</c>.</param>
/// <param name="Provider">Who serves it.</param>
/// <param name="Tools">Whether it can call tools (Kiln refuses a model that cannot).</param>
/// <param name="Images">Whether it sees images (attachments, <c>check_app</c> screenshots); text-only models get a note instead.</param>
/// <param name="IsDefault">The model a prompt that names none gets.</param>
public sealed record ModelInfo(string Id, string Provider, bool Tools, bool Images, bool IsDefault);

/// <summary>
/// What the configured providers offer right now: the offline model always, Claude's current models with an Anthropic
/// key, each OpenAI-compatible endpoint's <c>/models</c>, and Ollama's installed models with their capabilities
/// (<c>/api/tags</c>, <c>/api/show</c>), when Ollama answers. A provider that does not answer within
/// <see cref="ListTimeout"/> is left out.
/// </summary>
public sealed partial class ModelCatalog(
    ModelEndpointResolver resolver, IOptions<ModelsOptions> models, IOptions<AgentOptions> agent, IHttpClientFactory httpClients, ILogger<ModelCatalog> logger)
{
    public const string HttpClientName = "model-catalog";
    public static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(3);

    public async Task<IReadOnlyList<ModelInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var found = new List<(string Id, string Provider, bool Tools, bool Images)>
        {
            (OfflineModelServer.ModelName, ModelEndpoint.Offline, true, false),
        };
        if (resolver.Unavailable(new ModelChoice(ModelEndpoint.Anthropic, "")) is null)
        {
            var claude = ModelPrices.Shipped.Keys.Where(name => name.StartsWith("claude-", StringComparison.Ordinal)).ToList();
            if (resolver.Parse(agent.Value.Model) is { Provider: ModelEndpoint.Anthropic } configured && !claude.Contains(configured.Model))
            {
                claude.Insert(0, configured.Model);
            }

            found.AddRange(claude.Select(name => (name, ModelEndpoint.Anthropic, true, true)));
        }

        var settings = models.Value;
        if (resolver.Unavailable(new ModelChoice(ModelEndpoint.OpenAI, "")) is null)
        {
            found.AddRange(await OpenAICompatibleAsync(ModelEndpoint.OpenAI, settings.OpenAI.BaseUrl ?? ModelEndpointResolver.OpenAIApi, settings.OpenAI.ApiKey, cancellationToken));
        }

        foreach (var (name, endpoint) in settings.Endpoints.Where(entry => entry.Value.BaseUrl is not null))
        {
            found.AddRange(await OpenAICompatibleAsync(name.ToLowerInvariant(), endpoint.BaseUrl!, endpoint.ApiKey, cancellationToken));
        }

        found.AddRange(await OllamaAsync(cancellationToken));
        var defaultModel = resolver.DefaultModel;
        return [.. found.DistinctBy(model => model.Id).Select(model => new ModelInfo(model.Id, model.Provider, model.Tools, model.Images, model.Id == defaultModel))];
    }

    /// <summary>Why <paramref name="choice"/> cannot build an app (it cannot call tools, or its provider is not there), or null.</summary>
    public async Task<string?> RefusalAsync(ModelChoice choice, CancellationToken cancellationToken)
    {
        if (resolver.Unavailable(choice) is { } unavailable)
        {
            return unavailable;
        }

        if (choice.Provider != ModelEndpoint.Ollama)
        {
            return null; // Hosted APIs do not say; the model's first reply will.
        }

        var host = OllamaHost;
        var capabilities = await OllamaCapabilitiesAsync(host, choice.Model, cancellationToken);
        return capabilities switch
        {
            null => $"Ollama at {host} does not answer, or has no model '{choice.Model}': start it (ollama serve) and pull the model (ollama pull {choice.Model}).",
            { Tools: false } => $"ollama/{choice.Model} cannot call tools, and Kiln builds only through tools. Pick a model that can (qwen2.5-coder, llama3.1, mistral-nemo…); GET /api/models lists them.",
            _ => null,
        };
    }

    /// <summary>Whether the model sees images; a guess from the name for OpenAI-compatible models, Ollama's word for its own.</summary>
    public async Task<bool> SeesImagesAsync(ModelEndpoint model, CancellationToken cancellationToken) => model.Api switch
    {
        ModelApi.Messages => !model.IsOffline,
        ModelApi.Ollama => (await OllamaCapabilitiesAsync(model.BaseUrl, model.Model, cancellationToken))?.Images ?? false,
        _ => LikelySeesImages(model.Model),
    };

    private Uri OllamaHost => models.Value.Ollama.BaseUrl ?? ModelEndpointResolver.OllamaHost;

    // OpenAI's current chat models see images; an unknown model on a compatible endpoint is assumed to as well when its
    // name says vision.
    private static bool LikelySeesImages(string model) =>
        model.StartsWith("gpt-4o", StringComparison.OrdinalIgnoreCase) || model.StartsWith("gpt-4.1", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase) || model.StartsWith("o3", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("o4", StringComparison.OrdinalIgnoreCase) || model.Contains("vision", StringComparison.OrdinalIgnoreCase)
        || model.Contains("claude", StringComparison.OrdinalIgnoreCase) || model.Contains("gemini", StringComparison.OrdinalIgnoreCase);

    private async Task<IEnumerable<(string, string, bool, bool)>> OpenAICompatibleAsync(string provider, Uri baseUrl, string? apiKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl.ToString().TrimEnd('/') + "/models"));
        if (!string.IsNullOrWhiteSpace(apiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        var body = await GetJsonAsync(request, cancellationToken);
        if (body is not { ValueKind: JsonValueKind.Object } list || !list.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return data.EnumerateArray()
            .Select(model => model.TryGetProperty("id", out var id) ? id.GetString() : null)
            .OfType<string>()
            .Select(id => ($"{provider}/{id}", provider, true, LikelySeesImages(id)));
    }

    private async Task<IEnumerable<(string, string, bool, bool)>> OllamaAsync(CancellationToken cancellationToken)
    {
        var host = OllamaHost;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host, "/api/tags"));
        if (await GetJsonAsync(request, cancellationToken) is not { ValueKind: JsonValueKind.Object } tags
            || !tags.TryGetProperty("models", out var installed) || installed.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var found = new List<(string, string, bool, bool)>();
        foreach (var name in installed.EnumerateArray().Select(model => model.TryGetProperty("name", out var n) ? n.GetString() : null).OfType<string>())
        {
            var capabilities = await OllamaCapabilitiesAsync(host, name, cancellationToken);
            found.Add(($"{ModelEndpoint.Ollama}/{name}", ModelEndpoint.Ollama, capabilities?.Tools ?? false, capabilities?.Images ?? false));
        }

        return found;
    }

    private sealed record OllamaCapabilities(bool Tools, bool Images);

    // Ollama 0.6.4 and later list a model's capabilities; an older Ollama says nothing, and the model is given the benefit
    // of the doubt: its first reply tells.
    private async Task<OllamaCapabilities?> OllamaCapabilitiesAsync(Uri host, string model, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host, "/api/show")) { Content = JsonContent.Create(new { model }) };
        if (await GetJsonAsync(request, cancellationToken) is not { ValueKind: JsonValueKind.Object } shown)
        {
            return null;
        }

        if (!shown.TryGetProperty("capabilities", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return new OllamaCapabilities(Tools: true, Images: false);
        }

        var capabilities = list.EnumerateArray().Select(item => item.GetString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new OllamaCapabilities(capabilities.Contains("tools"), capabilities.Contains("vision"));
    }

    private async Task<JsonElement?> GetJsonAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var client = httpClients.CreateClient(HttpClientName);
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogProviderRefused(logger, request.RequestUri!, (int)response.StatusCode);
                return null;
            }

            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            LogProviderSilent(logger, request.RequestUri!, exception.Message);
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogProviderSilent(logger, request.RequestUri!, "no answer in time");
            return null;
        }
        catch (JsonException exception)
        {
            LogProviderSilent(logger, request.RequestUri!, exception.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The model provider at {Url} did not answer: {Reason}")]
    private static partial void LogProviderSilent(ILogger logger, Uri url, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The model provider at {Url} answered {Status}")]
    private static partial void LogProviderRefused(ILogger logger, Uri url, int status);
}
