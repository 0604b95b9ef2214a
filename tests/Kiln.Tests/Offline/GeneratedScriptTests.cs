using Kiln.Offline;
using Kiln.Testing;

namespace Kiln.Tests.Offline;

public sealed class GeneratedScriptTests
{
    public static TheoryData<string[]> Apps => SampleApps.All;

    [Theory]
    [MemberData(nameof(Apps))]
    public async Task Generated_app_js_is_valid_javascript(string[] prompts)
    {
        var node = Requires.Node();
        using var app = new AppFolder(OfflineAppPlanner.Plan(prompts));
        var check = await ExternalProgram.RunAsync(node, ["--check", System.IO.Path.Combine(app.Path, "app.js")], TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(check.ExitCode == 0, $"node --check rejected app.js:\n{check.Errors}");
    }
}
