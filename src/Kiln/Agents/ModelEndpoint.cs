namespace Kiln.Agents;

/// <summary>The wire protocol a model is reached by.</summary>
public enum ModelApi
{
    /// <summary>Anthropic's Messages API (Anthropic, and Kiln's offline model).</summary>
    Messages,

    /// <summary>OpenAI's chat completions, as OpenAI and every OpenAI-compatible endpoint serve it.</summary>
    ChatCompletions,

    /// <summary>Ollama's own <c>/api/chat</c>.</summary>
    Ollama,
}

/// <summary>
/// Where a runtime sends a generation's model requests: a provider (<c>anthropic</c>, <c>openai</c>, <c>ollama</c>, a
/// named OpenAI-compatible endpoint, or <c>offline</c>), its API and base URL, and the model's name there.
/// </summary>
public sealed record ModelEndpoint(string Provider, ModelApi Api, Uri BaseUrl, string ApiKey, string Model)
{
    public const string Offline = "offline";
    public const string Anthropic = "anthropic";
    public const string OpenAI = "openai";
    public const string Ollama = "ollama";

    public bool IsOffline => Provider == Offline;

    /// <summary>A model that runs on this machine and costs nothing per token.</summary>
    public bool IsLocal => IsOffline || Api == ModelApi.Ollama;

    /// <summary>The model as a person names it: <c>provider/model</c>, or the bare model for Anthropic and the offline model.</summary>
    public string Id => Provider is Anthropic or Offline ? Model : $"{Provider}/{Model}";

    public override string ToString() => IsOffline ? $"offline model at {BaseUrl}" : $"{Id} at {BaseUrl}";
}
