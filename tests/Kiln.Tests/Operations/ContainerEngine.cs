namespace Kiln.Tests.Operations;

/// <summary>
/// The tests that build and run Kiln's image: one at a time, since they build the same tag, and with no other test
/// beside them, since a build takes the machine's cores for minutes: the dev servers and browsers of tests running
/// at the same time then missed their waits (an HMR update that took over 30 s).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContainerEngine
{
    public const string Name = "Container engine";

    /// <summary>The checkout the image is built from (where Kiln.slnx is).</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Kiln.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Kiln.slnx above {AppContext.BaseDirectory}.");
    }
}
