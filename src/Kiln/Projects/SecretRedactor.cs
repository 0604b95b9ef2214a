namespace Kiln.Projects;

/// <summary>
/// Hides a project's secret values in text that leaves its processes (command output for the model and the events):
/// a command that prints a secret shows its name instead. A multi-line value is also hidden line by line, since output
/// is streamed a line at a time.
/// </summary>
public sealed class SecretRedactor
{
    public static readonly SecretRedactor None = new([]);

    private readonly (string Value, string Mark)[] _needles;

    public SecretRedactor(IEnumerable<KeyValuePair<string, string>> secrets)
    {
        _needles = secrets
            .SelectMany(secret => Pieces(secret.Value).Select(piece => (piece, $"[secret {secret.Key}]")))
            .DistinctBy(needle => needle.piece, StringComparer.Ordinal)
            // Longest first, so a secret that contains another is hidden whole.
            .OrderByDescending(needle => needle.piece.Length)
            .ToArray();
    }

    public bool IsEmpty => _needles.Length == 0;

    public string Redact(string text)
    {
        foreach (var (value, mark) in _needles)
        {
            if (text.Contains(value, StringComparison.Ordinal))
            {
                text = text.Replace(value, mark, StringComparison.Ordinal);
            }
        }

        return text;
    }

    private static IEnumerable<string> Pieces(string value)
    {
        yield return value;
        foreach (var line in value.Split('\n'))
        {
            var piece = line.TrimEnd('\r').Trim();
            if (piece.Length >= EnvironmentNames.MinSecretLength && piece != value)
            {
                yield return piece;
            }
        }
    }
}
