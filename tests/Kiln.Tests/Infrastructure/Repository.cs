namespace Kiln.Tests.Infrastructure;

/// <summary>The checkout the tests run from: its configuration files and its local tools (.config/dotnet-tools.json).</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string Find()
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
