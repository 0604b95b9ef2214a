namespace Kiln.Projects;

/// <summary>
/// Walks an app directory in a stable order (directories first, then by name), without descending into
/// node_modules, .git or links, which are yielded but not entered.
/// </summary>
public static class AppFileTree
{
    public static IEnumerable<FileSystemInfo> Walk(string directory, int maxEntries = int.MaxValue)
    {
        var yielded = 0;
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(directory));
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            FileSystemInfo[] entries;
            try
            {
                entries = current.GetFileSystemInfos();
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var ordered = entries
                .Where(entry => !entry.Name.EndsWith(AtomicFile.TemporarySuffix, StringComparison.Ordinal))
                .OrderBy(entry => entry is DirectoryInfo ? 0 : 1)
                .ThenBy(entry => entry.Name, StringComparer.Ordinal)
                .ToList();

            // Depth-first in listing order: push in reverse so the first child is walked first.
            foreach (var entry in ordered)
            {
                if (yielded++ >= maxEntries)
                {
                    yield break;
                }

                yield return entry;
            }

            for (var i = ordered.Count - 1; i >= 0; i--)
            {
                if (ordered[i] is DirectoryInfo child && child.LinkTarget is null && !AppDirectory.IsHiddenName(child.Name))
                {
                    pending.Push(child);
                }
            }
        }
    }
}
