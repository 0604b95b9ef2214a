namespace Kiln.Agents;

/// <summary>
/// The model endpoint. Bound from <c>Anthropic</c>, with <c>ANTHROPIC_API_KEY</c> and <c>ANTHROPIC_BASE_URL</c>
/// as fallbacks. With no key Kiln uses its built-in offline model.
/// </summary>
public sealed class AnthropicOptions
{
    public const string Section = "Anthropic";

    public string? ApiKey { get; set; }

    public Uri? BaseUrl { get; set; }
}
