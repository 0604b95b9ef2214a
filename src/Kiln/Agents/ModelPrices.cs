using Microsoft.Extensions.Options;

namespace Kiln.Agents;

/// <summary>
/// The price table: Kiln's shipped prices for current Claude and OpenAI models, with <c>Kiln:Models:Prices</c> on top.
/// A dated model id (<c>claude-sonnet-4-5-20250929</c>) takes the price of the longest name it starts with; the offline
/// model and local models cost nothing; a hosted model the table does not know has no price (its cost is unknown).
/// </summary>
public sealed class ModelPrices(IOptions<ModelsOptions> options)
{
    // USD per million tokens: input, output, cache write, cache read (published list prices, late 2025). OpenAI has no
    // cache-write premium, so its cache write is the input price.
    public static readonly IReadOnlyDictionary<string, ModelPrice> Shipped = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase)
    {
        ["claude-opus-4-5"] = ModelPrice.Of(5m, 25m, 6.25m, 0.50m),
        ["claude-opus-4-1"] = ModelPrice.Of(15m, 75m, 18.75m, 1.50m),
        ["claude-opus-4"] = ModelPrice.Of(15m, 75m, 18.75m, 1.50m),
        ["claude-sonnet-4-5"] = ModelPrice.Of(3m, 15m, 3.75m, 0.30m),
        ["claude-sonnet-4"] = ModelPrice.Of(3m, 15m, 3.75m, 0.30m),
        ["claude-3-7-sonnet"] = ModelPrice.Of(3m, 15m, 3.75m, 0.30m),
        ["claude-haiku-4-5"] = ModelPrice.Of(1m, 5m, 1.25m, 0.10m),
        ["claude-3-5-haiku"] = ModelPrice.Of(0.80m, 4m, 1m, 0.08m),
        ["gpt-5"] = ModelPrice.Of(1.25m, 10m, 1.25m, 0.125m),
        ["gpt-5-mini"] = ModelPrice.Of(0.25m, 2m, 0.25m, 0.025m),
        ["gpt-5-nano"] = ModelPrice.Of(0.05m, 0.40m, 0.05m, 0.005m),
        ["gpt-4.1"] = ModelPrice.Of(2m, 8m, 2m, 0.50m),
        ["gpt-4.1-mini"] = ModelPrice.Of(0.40m, 1.60m, 0.40m, 0.10m),
        ["gpt-4.1-nano"] = ModelPrice.Of(0.10m, 0.40m, 0.10m, 0.025m),
        ["gpt-4o"] = ModelPrice.Of(2.50m, 10m, 2.50m, 1.25m),
        ["gpt-4o-mini"] = ModelPrice.Of(0.15m, 0.60m, 0.15m, 0.075m),
        ["o3"] = ModelPrice.Of(2m, 8m, 2m, 0.50m),
        ["o4-mini"] = ModelPrice.Of(1.10m, 4.40m, 1.10m, 0.275m),
    };

    /// <summary>The price of <paramref name="model"/>, or null when it is a hosted model the table does not know.</summary>
    public ModelPrice? For(ModelEndpoint model)
    {
        if (model.IsLocal)
        {
            return ModelPrice.Free;
        }

        // A gateway names models by their maker (openrouter's "openai/gpt-4.1-mini"): the last part is the model.
        var configured = options.Value.Prices;
        var bare = model.Model[(model.Model.LastIndexOf('/') + 1)..];
        return Lookup(configured, model.Model) ?? Lookup(Shipped, model.Model) ?? Lookup(configured, bare) ?? Lookup(Shipped, bare);
    }

    private static ModelPrice? Lookup(IReadOnlyDictionary<string, ModelPrice> table, string model)
    {
        if (table.TryGetValue(model, out var exact))
        {
            return exact;
        }

        return table
            .Where(entry => model.StartsWith(entry.Key, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(entry => entry.Key.Length)
            .Select(entry => entry.Value)
            .FirstOrDefault();
    }
}
