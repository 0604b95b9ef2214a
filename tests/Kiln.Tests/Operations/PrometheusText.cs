using System.Globalization;
using System.Text.RegularExpressions;

namespace Kiln.Tests.Operations;

/// <summary>The samples of a Prometheus text exposition, as a scraper reads them.</summary>
public sealed partial class PrometheusText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    private PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var sample = Sample().Match(line);
            Assert.True(sample.Success, $"Not a Prometheus sample line: {line}");
            var labels = Label().Matches(sample.Groups["labels"].Value)
                .ToDictionary(m => m.Groups[1].Value, m => Regex.Unescape(m.Groups[2].Value));
            _samples.Add((sample.Groups["name"].Value, labels, double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
    }

    public static async Task<PrometheusText> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {(int)response.StatusCode}: {body}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return new PrometheusText(body);
    }

    /// <summary>The exposition as scraped, for a failing test's message.</summary>
    public string Text { get; }

    public bool Has(string name) => _samples.Any(s => s.Name == name);

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include <paramref name="labels"/> ("key=value").</summary>
    public double Sum(string name, params string[] labels) => _samples
        .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Split('=')[0], out var v) && v == l.Split('=', 2)[1]))
        .Sum(s => s.Value);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex(""""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"""")]
    private static partial Regex Label();
}
