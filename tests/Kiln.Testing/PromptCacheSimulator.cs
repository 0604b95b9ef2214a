using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Kiln.Testing;

/// <summary>Input tokens of one request, split as Anthropic bills them.</summary>
/// <param name="FullPrice">Input tokens billed at the full input price (<c>input_tokens</c>).</param>
/// <param name="CacheWrite">Input tokens written to the cache (<c>cache_creation_input_tokens</c>).</param>
/// <param name="CacheRead">Input tokens read from the cache (<c>cache_read_input_tokens</c>).</param>
public sealed record SimulatedUsage(int FullPrice, int CacheWrite, int CacheRead);

/// <summary>
/// Anthropic's prompt cache as its documentation describes it, for a scripted server to report the usage the real
/// API would: the request is the blocks tools → system → messages; a block marked <c>cache_control</c> is a
/// breakpoint, and the prefix up to it is written to the cache (when it has at least <see cref="MinimumTokens"/>);
/// a later request reads the longest cached prefix it starts with, found at a breakpoint or up to 20 blocks before
/// one. Tokens are estimated as a quarter of each block's JSON.
/// </summary>
public sealed class PromptCacheSimulator
{
    /// <summary>The shortest prefix Sonnet and Opus cache.</summary>
    public const int MinimumTokens = 1024;

    private const int Lookback = 20;
    private readonly HashSet<string> _cached = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>What <paramref name="body"/> costs in input tokens, and the cache after it.</summary>
    public SimulatedUsage Bill(JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var blocks = Blocks(body).ToList();
        var prefixHashes = new string[blocks.Count + 1];
        var prefixTokens = new int[blocks.Count + 1];
        prefixHashes[0] = "";
        for (var i = 0; i < blocks.Count; i++)
        {
            prefixHashes[i + 1] = Hash(prefixHashes[i] + Hash(blocks[i].Json));
            prefixTokens[i + 1] = prefixTokens[i] + Math.Max(1, blocks[i].Json.Length / 4);
        }

        var breakpoints = Enumerable.Range(1, blocks.Count).Where(end => blocks[end - 1].Breakpoint).ToList();
        lock (_gate)
        {
            var read = 0;
            foreach (var end in breakpoints)
            {
                for (var at = end; at >= Math.Max(1, end - Lookback); at--)
                {
                    if (_cached.Contains(prefixHashes[at]))
                    {
                        read = Math.Max(read, prefixTokens[at]);
                        break;
                    }
                }
            }

            var written = read;
            foreach (var end in breakpoints.Where(end => prefixTokens[end] >= MinimumTokens))
            {
                _cached.Add(prefixHashes[end]);
                written = Math.Max(written, prefixTokens[end]);
            }

            var total = prefixTokens[blocks.Count];
            return new SimulatedUsage(total - written, written - read, read);
        }
    }

    private static IEnumerable<(string Json, bool Breakpoint)> Blocks(JsonObject body)
    {
        foreach (var tool in (body["tools"] as JsonArray ?? []).OfType<JsonObject>())
        {
            yield return Block(tool, "tool");
        }

        switch (body["system"])
        {
            case JsonValue text:
                yield return (text.ToJsonString(), false);
                break;
            case JsonArray system:
                foreach (var block in system.OfType<JsonObject>())
                {
                    yield return Block(block, "system");
                }

                break;
        }

        foreach (var message in (body["messages"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var role = message["role"]?.GetValue<string>() ?? "";
            switch (message["content"])
            {
                case JsonValue text:
                    yield return (role + text.ToJsonString(), false);
                    break;
                case JsonArray content:
                    foreach (var block in content.OfType<JsonObject>())
                    {
                        yield return Block(block, role);
                    }

                    break;
            }
        }
    }

    // The cache_control marker is not part of what is cached: the same block with or without it is the same prefix.
    private static (string Json, bool Breakpoint) Block(JsonObject block, string place)
    {
        var copy = block.DeepClone().AsObject();
        var breakpoint = copy.Remove("cache_control", out var marker) && marker is JsonObject;
        return (place + copy.ToJsonString(), breakpoint);
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
