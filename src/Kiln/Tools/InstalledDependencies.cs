using System.Security.Cryptography;
using Kiln.Projects;
using Kiln.Sandbox;

namespace Kiln.Tools;

/// <summary>
/// A template's installed <c>node_modules</c>, put into a new app without running the package manager: the
/// directories made again, pnpm's relative symlinks made again, the files of packages under <c>.pnpm</c> linked (or
/// copied) and every other file copied. A stamp records which package.json and lockfile it matches, so the first
/// <c>install_dependencies</c> of an unchanged app has nothing to do.
/// </summary>
/// <remarks>
/// Linking shares a package file's inode between the template and every app made from it, so it is only safe where
/// no project's code can write those files: <see cref="ProtectedDirectories.PackageFilesDirectory"/> is mounted read-only for every command
/// and dev server of the app except installs, which run no code of the project's (<c>--ignore-scripts</c>) and
/// replace files rather than write into them. Kiln's own file tools replace a file too (a new inode, then a rename),
/// so editing a dependency through them changes only that app. Without bubblewrap nothing can be mounted read-only,
/// and the files are copied.
/// </remarks>
public static class InstalledDependencies
{
    private const string ModulesDirectory = ProtectedDirectories.ModulesDirectory;
    private const string ProtectedDirectory = ProtectedDirectories.PackageFilesDirectory;

    private const string StampFile = ".kiln-installed";
    private const string BinDirectory = ".bin";
    private static readonly string[] Manifests = ["package.json", "pnpm-lock.yaml", "package-lock.json"];

    /// <summary>
    /// Puts <paramref name="fromApp"/>'s node_modules into <paramref name="toApp"/>, which has none, and stamps it as
    /// matching the app's current package.json and lockfile. Command shims (<c>.bin/*</c>) name the directory the
    /// packages were installed in, <paramref name="installedIn"/>, so they are written again with the new app's.
    /// Returns how many files were linked or copied.
    /// </summary>
    public static int Clone(string fromApp, string installedIn, string toApp, bool linkPackageFiles)
    {
        var source = Path.Combine(fromApp, ModulesDirectory);
        var target = Path.Combine(toApp, ModulesDirectory);
        if (Directory.Exists(target))
        {
            throw new IOException($"{target} already exists.");
        }

        var files = 0;
        var staging = Path.Combine(toApp, $".{ModulesDirectory}-{Guid.NewGuid():N}");
        try
        {
            files = CloneDirectory(new DirectoryInfo(source), staging, installedIn, toApp, linkPackageFiles, insidePackage: false);
            // Whole or not at all: a node_modules cut short by a crash would look installed to the next command.
            Directory.Move(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        File.WriteAllText(Path.Combine(target, StampFile), Fingerprint(toApp));
        return files;
    }

    /// <summary>True when node_modules is still the one <see cref="Clone"/> made for the app's current package.json and lockfile.</summary>
    public static bool AreCurrent(string app)
    {
        var stamp = Path.Combine(app, ModulesDirectory, StampFile);
        return File.Exists(stamp) && Directory.Exists(Path.Combine(app, ProtectedDirectory))
            && string.Equals(File.ReadAllText(stamp), Fingerprint(app), StringComparison.Ordinal);
    }

    /// <summary>Forgets the stamp: after the package manager has run, only it knows what node_modules holds.</summary>
    public static void Forget(string app)
    {
        if (Directory.Exists(Path.Combine(app, ModulesDirectory)))
        {
            File.Delete(Path.Combine(app, ModulesDirectory, StampFile));
        }
    }

    private static string Fingerprint(string app)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in Manifests)
        {
            var path = Path.Combine(app, name);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name + (File.Exists(path) ? ":" : "-")));
            if (File.Exists(path))
            {
                hash.AppendData(File.ReadAllBytes(path));
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static int CloneDirectory(DirectoryInfo from, string to, string fromApp, string toApp, bool link, bool insidePackage)
    {
        Directory.CreateDirectory(to);
        var files = 0;
        foreach (var entry in from.EnumerateFileSystemInfos())
        {
            var destination = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } linkTarget)
            {
                // pnpm's links are relative, so they hold in the new place; an absolute one into the template is moved along.
                File.CreateSymbolicLink(destination, Path.IsPathRooted(linkTarget) ? Rebase(linkTarget, fromApp, toApp) : linkTarget);
            }
            else if (entry is DirectoryInfo directory)
            {
                // .pnpm/<package@version>/... holds the packages' own files; anything directly in .pnpm is pnpm's bookkeeping.
                var packageFiles = insidePackage || from.Name == ".pnpm" && from.Parent?.Name == ModulesDirectory;
                files += CloneDirectory(directory, destination, fromApp, toApp, link, packageFiles && directory.Name != BinDirectory);
            }
            else if (from.Name == BinDirectory)
            {
                // A command shim names the app's absolute path (NODE_PATH); the new app gets its own.
                File.WriteAllText(destination, File.ReadAllText(entry.FullName).Replace(fromApp, toApp, StringComparison.Ordinal));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(destination, File.GetUnixFileMode(entry.FullName));
                }

                files++;
            }
            else
            {
                // A file system that refuses the link (the cache on another device) gets a copy.
                if (!(link && insidePackage && NativeMethods.TryCreateHardLink(entry.FullName, destination)))
                {
                    File.Copy(entry.FullName, destination);
                }

                files++;
            }
        }

        return files;
    }

    private static string Rebase(string path, string fromApp, string toApp) =>
        path.StartsWith(fromApp + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? toApp + path[fromApp.Length..] : path;
}
