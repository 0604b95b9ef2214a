namespace Kiln.Projects;

/// <summary>
/// Writes a file whole or not at all: the content goes to a temporary file beside it, which is then renamed
/// over it. A reader never sees half a file, a crash leaves the previous version, and a hard link or symlink
/// at the final name is replaced rather than written through. The temporary file is in the same directory so
/// the rename never crosses a file system, and is removed when the write fails.
/// </summary>
public static class AtomicFile
{
    /// <summary>How a temporary file ends, so listings and versions can leave out one a write is still filling.</summary>
    public const string TemporarySuffix = ".kiln-tmp";

    public static Task WriteAllBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken) =>
        WriteAsync(path, (temporary, token) => File.WriteAllBytesAsync(temporary, bytes, token), cancellationToken);

    public static Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken) =>
        WriteAsync(path, async (temporary, token) =>
        {
            await using var stream = File.Create(temporary);
            await write(stream, token);
        }, cancellationToken);

    private static async Task WriteAsync(string path, Func<string, CancellationToken, Task> writeTemporary, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            await writeTemporary(temporary, cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
