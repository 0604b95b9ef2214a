namespace Kiln.Agents;

/// <summary>
/// The model providers besides Anthropic (bound from <c>Anthropic</c>) and what models cost. Bound from
/// <c>Kiln:Models</c>, with each ecosystem's variables as fallbacks: <c>OPENAI_API_KEY</c>, <c>OPENAI_BASE_URL</c>,
/// <c>OLLAMA_HOST</c>.
/// </summary>
public sealed class ModelsOptions
{
    public const string Section = "Kiln:Models";

    /// <summary>OpenAI, or any one OpenAI-compatible endpoint; used when it has a key.</summary>
    public ProviderOptions OpenAI { get; set; } = new();

    /// <summary>Ollama; its <c>BaseUrl</c> defaults to <c>http://127.0.0.1:11434</c>, used when it answers.</summary>
    public ProviderOptions Ollama { get; set; } = new();

    /// <summary>More OpenAI-compatible endpoints by name (OpenRouter, LM Studio, vLLM…): <c>{name}/{model}</c>.</summary>
    public Dictionary<string, ProviderOptions> Endpoints { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Prices per model name (without the provider), over the shipped table; see <see cref="ModelPrices"/>.</summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One provider's endpoint and key.</summary>
public sealed class ProviderOptions
{
    public Uri? BaseUrl { get; set; }

    public string? ApiKey { get; set; }
}
