namespace Kiln.Agents;

/// <summary>Where a runtime sends Messages API requests: Anthropic's API, or Kiln's offline model on loopback.</summary>
public sealed record ModelEndpoint(Uri BaseUrl, string ApiKey, string Model, bool IsOffline)
{
    /// <summary>A model that runs on this machine and costs nothing per token.</summary>
    public bool IsLocal => IsOffline;

    public override string ToString() => IsOffline ? $"offline model at {BaseUrl}" : $"{Model} at {BaseUrl}";
}
