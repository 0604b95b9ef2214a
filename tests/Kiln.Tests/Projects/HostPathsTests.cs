using Kiln.Projects;
using Microsoft.Extensions.Options;

namespace Kiln.Tests.Projects;

/// <summary>Host paths in text a person or model reads become relative to the project's app.</summary>
public sealed class HostPathsTests
{
    private const string Project = "abcdefghijkl";
    private static readonly HostPaths Paths = new(new ProjectWorkspace(Options.Create(new ProjectsOptions { ProjectsRoot = "/srv/kiln-projects" })));

    [Theory]
    [InlineData("/srv/kiln-projects/abcdefghijkl/generated-app/node_modules/.bin/vite --port 5173", "node_modules/.bin/vite --port 5173")]
    [InlineData("Error in file:///srv/kiln-projects/abcdefghijkl/generated-app/src/App.tsx:3:5", "Error in file://src/App.tsx:3:5")]
    [InlineData("cd /srv/kiln-projects/abcdefghijkl/generated-app && vite", "cd . && vite")]
    [InlineData("see /srv/kiln-projects/abcdefghijkl/logs/dev-server.log", "see ../logs/dev-server.log")]
    [InlineData("/srv/kiln-projects/kiln.db is outside the allow list", "../../kiln.db is outside the allow list")]
    [InlineData("/srv/kiln-projects/zzzzzzzzzzzz/generated-app/src/x.ts", "../../zzzzzzzzzzzz/generated-app/src/x.ts")]
    [InlineData("nothing to see in src/App.tsx", "nothing to see in src/App.tsx")]
    public void A_path_under_the_projects_root_is_relative_to_the_app(string text, string expected) =>
        Assert.Equal(expected, Paths.RelativeToApp(Project, text));
}
