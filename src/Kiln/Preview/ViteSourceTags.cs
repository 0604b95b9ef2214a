using System.Globalization;
using System.Text.Json;

namespace Kiln.Preview;

/// <summary>
/// Select-to-edit's source locations: a Vite app's dev server runs with Kiln's own config
/// (<c>kiln-vite.config.mjs</c>), which loads the app's config and adds a dev-only plugin that tags each intrinsic JSX
/// element with <c>data-kiln-source="src/App.tsx:LINE:COLUMN"</c>. The config lives outside the app, in a directory
/// of Kiln's that the dev server sees read-only, so the app's files (its vite.config.ts included) are never touched,
/// and <c>vite build</c>, which reads the app's config alone, has no tags.
/// </summary>
/// <remarks>
/// The plugin parses with Vite 8's own parser (oxc, <c>parseSync</c>) and edits with its bundler's MagicString, so
/// an app on an older Vite, or whose dev script names a config of its own, runs as it is and has no select mode.
/// </remarks>
public sealed class ViteSourceTags : IDisposable
{
    /// <summary>The attribute the plugin adds, which the preview's select script reads.</summary>
    public const string Attribute = "data-kiln-source";

    /// <summary>The oldest Vite whose API the plugin uses (parseSync, Visitor, rolldown's MagicString, --configLoader).</summary>
    public const int MinimumViteMajor = 8;

    private const string Resource = "Preview/kiln-vite.config.mjs";
    private const string FileName = "kiln-vite.config.mjs";

    private readonly Lock _lock = new();
    private string? _directory;

    /// <summary>Whether the app's dev server runs with source tags: a Vite dev script, Vite 8 or newer installed, no config flag of its own.</summary>
    public static bool Supports(string appDirectory, DevServerScript? script)
    {
        if (script is not { Framework: DevFramework.Vite } || NamesConfig(script.Script))
        {
            return false;
        }

        var packageJson = Path.Combine(appDirectory, "node_modules", "vite", "package.json");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
            return document.RootElement.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.String
                && version.GetString()!.Split('.')[0] is var major
                && int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= MinimumViteMajor;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="appDirectory"/>'s preview offers select mode, read from its files.</summary>
    public static bool Supports(string appDirectory) => Supports(appDirectory, PreviewSource.Detect(appDirectory).DevServer);

    /// <summary>The directory that holds Kiln's config, written out of Kiln's assembly once; the dev server reads it there.</summary>
    public string Directory
    {
        get
        {
            lock (_lock)
            {
                return _directory ??= WriteConfig();
            }
        }
    }

    /// <summary>The dev server's arguments that make Vite run Kiln's config (natively imported: nothing is written beside it).</summary>
    public IReadOnlyList<string> ViteArguments() => ["--config", Path.Join(Directory, FileName), "--configLoader", "native"];

    public void Dispose()
    {
        lock (_lock)
        {
            if (_directory is null)
            {
                return;
            }

            try
            {
                System.IO.Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // One small file left in the system's temp directory, which its cleaning takes.
            }

            _directory = null;
        }
    }

    /// <summary>A dev script that chooses its own config (<c>vite --config x</c>, <c>-c x</c>) keeps it: Vite takes one.</summary>
    private static bool NamesConfig(string script) =>
        script.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(word => word is "-c" or "--config" || word.StartsWith("--config=", StringComparison.Ordinal) || word.StartsWith("--configLoader", StringComparison.Ordinal));

    private static string WriteConfig()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("kiln-vite-").FullName;
        using var config = typeof(ViteSourceTags).Assembly.GetManifestResourceStream(Resource)
                           ?? throw new InvalidOperationException($"The embedded resource {Resource} is missing from Kiln's assembly.");
        using var file = File.Create(Path.Join(directory, FileName));
        config.CopyTo(file);
        return directory;
    }
}
