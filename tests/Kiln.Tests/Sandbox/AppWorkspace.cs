namespace Kiln.Tests.Sandbox;

/// <summary>
/// A temp directory per test: <c>app/</c> is the project, and <c>sentinel.txt</c> sits beside it,
/// outside the project, so every test can assert that nothing outside changed.
/// </summary>
internal sealed class AppWorkspace : IDisposable
{
    public const string SentinelText = "sentinel: must never change";

    private readonly IReadOnlyList<string> _outsideBefore;

    public AppWorkspace()
    {
        Root = Directory.CreateTempSubdirectory("kiln-sandbox-test-").FullName;
        App = Directory.CreateDirectory(Path.Join(Root, "app")).FullName;
        Sentinel = Path.Join(Root, "sentinel.txt");
        File.WriteAllText(Sentinel, SentinelText);
        _outsideBefore = SnapshotOutside();
    }

    /// <summary>The directory that holds the app directory and the sentinel.</summary>
    public string Root { get; }

    public string App { get; }

    public string Sentinel { get; }

    public string InApp(string relative) => Path.Join(App, relative);

    public void Write(string relative, string content)
    {
        var path = InApp(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>The sentinel still holds its text, and nothing beside the app directory appeared, vanished or changed.</summary>
    public void AssertOutsideUntouched()
    {
        Assert.True(File.Exists(Sentinel), "the sentinel outside the project was removed");
        Assert.Equal(SentinelText, File.ReadAllText(Sentinel));
        Assert.Equal(_outsideBefore, SnapshotOutside());
        Assert.True(Directory.Exists(App), "the app directory itself was removed");
    }

    private List<string> SnapshotOutside() =>
        Directory.EnumerateFileSystemEntries(Root)
            .Where(p => p != App)
            .Select(p => $"{Path.GetFileName(p)}:{new FileInfo(p).Length}:{File.GetLastWriteTimeUtc(p).Ticks}")
            .Order(StringComparer.Ordinal)
            .ToList();

    public void Dispose()
    {
        try
        {
            // Symlinks planted by tests are removed, not followed.
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
