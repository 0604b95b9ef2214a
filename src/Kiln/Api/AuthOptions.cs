namespace Kiln.Api;

/// <summary>Bound from <c>Kiln:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Kiln:Auth";

    /// <summary>
    /// When set, every API, WebSocket and MCP request needs <c>Authorization: Bearer {Token}</c> (browsers'
    /// WebSockets and EventSource may send <c>?access_token=</c> instead). Required to listen beyond loopback.
    /// </summary>
    public string? Token { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(Token);
}
