namespace Kiln.Api;

/// <summary>Bound from <c>Kiln:Cors</c>.</summary>
public sealed class KilnCorsOptions
{
    public const string Section = "Kiln:Cors";

    /// <summary>Origins allowed to call the API from a browser, e.g. <c>https://app.example.com</c>. Empty: same origin only.</summary>
    public string[] Origins { get; set; } = [];
}
