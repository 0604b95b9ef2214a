namespace Kiln.Agents;

/// <summary>The models Kiln may use and what they cost. Bound from <c>Kiln:Models</c>.</summary>
public sealed class ModelsOptions
{
    public const string Section = "Kiln:Models";

    /// <summary>Prices per model name (without the provider), over the shipped table; see <see cref="ModelPrices"/>.</summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
