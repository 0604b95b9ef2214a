using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;

namespace Kiln.Tools;

/// <summary>
/// Which of an app's files are still exactly what nobody needs protected: what a scaffold produced, and what the agent
/// itself wrote earlier in the same run. The lost-work guards of <c>write_file</c> protect what earlier prompts and the
/// person wrote; a model replacing the template's demo <c>App.tsx</c> with a small one of its own, or rewriting a file
/// it wrote five calls ago, loses nobody's work.
/// </summary>
/// <remarks>
/// Files are known by their content's SHA-256, so a file someone changed since is no longer "nobody's". What a scaffold
/// produced outlives the run (it is kept in <paramref name="scaffoldManifest"/>, beside the app); what the agent wrote
/// lives as long as this run's tools.
/// </remarks>
public sealed class FileProvenance(string scaffoldManifest)
{
    private readonly ConcurrentDictionary<string, string> _writtenThisRun = new(StringComparer.Ordinal);
    private readonly Lock _manifestGate = new();
    private Dictionary<string, string>? _scaffolded;

    /// <summary>True when the file at <paramref name="path"/> holds exactly what a scaffold or this run wrote there.</summary>
    public bool IsNobodysWork(string path, byte[] content)
    {
        var hash = Hash(content);
        return (_writtenThisRun.TryGetValue(path, out var written) && written == hash)
               || (Scaffolded().TryGetValue(path, out var scaffolded) && scaffolded == hash);
    }

    /// <summary>True when the file at <paramref name="path"/> holds exactly what a scaffold wrote there: nobody has changed it since.</summary>
    public bool IsScaffolded(string path, byte[] content) =>
        Scaffolded().TryGetValue(path, out var scaffolded) && scaffolded == Hash(content);

    /// <summary>Remembers what this run wrote to <paramref name="path"/>.</summary>
    public void Wrote(string path, byte[] content) => _writtenThisRun[path] = Hash(content);

    /// <summary>Remembers, for good, the files a scaffold just produced (paths relative to the app).</summary>
    public void Scaffolded(IEnumerable<(string Path, byte[] Content)> files)
    {
        lock (_manifestGate)
        {
            var manifest = new Dictionary<string, string>(Scaffolded(), StringComparer.Ordinal);
            foreach (var (path, content) in files)
            {
                manifest[path] = Hash(content);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(scaffoldManifest)!);
            File.WriteAllText(scaffoldManifest, JsonSerializer.Serialize(manifest, ToolsJsonContext.Default.DictionaryStringString));
            _scaffolded = manifest;
        }
    }

    private Dictionary<string, string> Scaffolded()
    {
        lock (_manifestGate)
        {
            return _scaffolded ??= Load();
        }
    }

    private Dictionary<string, string> Load()
    {
        try
        {
            return File.Exists(scaffoldManifest)
                ? JsonSerializer.Deserialize(File.ReadAllText(scaffoldManifest), ToolsJsonContext.Default.DictionaryStringString) ?? []
                : [];
        }
        catch (JsonException)
        {
            return []; // An unreadable manifest protects everything, which is the safe side.
        }
    }

    private static string Hash(byte[] content) => Convert.ToHexString(SHA256.HashData(content));
}
