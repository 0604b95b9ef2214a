using Kiln.Projects;

namespace Kiln.Sites;

/// <summary>Which files of an app or a build become a release's files.</summary>
public static class SiteFiles
{
    /// <summary>
    /// Copies the regular files under <paramref name="from"/> to <paramref name="to"/>. Links are never followed or copied
    /// (a link could lead out of the app). A static app (<paramref name="staticApp"/>) leaves out every dot-file and
    /// dot-directory (.env, .git, Kiln's .kiln) and node_modules: only what a browser should load is published.
    /// </summary>
    public static void Copy(string from, string to, bool staticApp)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null || AppDirectory.IsHiddenName(entry.Name) || entry.Name.EndsWith(AtomicFile.TemporarySuffix, StringComparison.Ordinal)
                || (staticApp && entry.Name.StartsWith('.')))
            {
                continue;
            }

            var target = Path.Combine(to, entry.Name);
            switch (entry)
            {
                case DirectoryInfo directory:
                    Copy(directory.FullName, target, staticApp);
                    break;
                case FileInfo file:
                    file.CopyTo(target);
                    break;
            }
        }
    }
}
