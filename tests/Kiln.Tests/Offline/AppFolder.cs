using System.Text;

namespace Kiln.Tests.Offline;

/// <summary>A planned app written to a temporary folder, deleted afterwards.</summary>
internal sealed class AppFolder : IDisposable
{
    public AppFolder(Kiln.Offline.OfflineAppPlan plan)
    {
        Path = Directory.CreateTempSubdirectory("kiln-offline-app-").FullName;
        foreach (var file in plan.Files)
        {
            File.WriteAllText(System.IO.Path.Combine(Path, file.Path), file.Content, new UTF8Encoding(false));
        }
    }

    public string Path { get; }

    public string Read(string file) => File.ReadAllText(System.IO.Path.Combine(Path, file));

    public void Write(string file, string content) => File.WriteAllText(System.IO.Path.Combine(Path, file), content, new UTF8Encoding(false));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
