using System.Text.Json;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Tests.Infrastructure;
using Kiln.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace Kiln.Tests.Tools;

/// <summary>A project's tools reached the way the agent reaches them: through Kiln's MCP tool server.</summary>
public sealed class ToolHarness : IAsyncDisposable
{
    private readonly KilnApp _kiln;
    private InProcessToolServer _server;

    private ToolHarness(KilnApp kiln, InProcessToolServer server, string projectId, string appDirectory, string outside)
    {
        _kiln = kiln;
        _server = server;
        ProjectId = projectId;
        AppDirectory = appDirectory;
        Outside = outside;
    }

    public string ProjectId { get; }

    public string AppDirectory { get; }

    /// <summary>A directory beside the app holding <c>secret.txt</c>; no tool may read or change it.</summary>
    public string Outside { get; }

    public IReadOnlyList<Tool> Tools => _server.Tools;

    public IServiceProvider Services => _kiln.Services;

    public string ProjectsRoot => _kiln.ProjectsRoot;

    /// <summary>Every warning and error Kiln logged.</summary>
    public CapturingLoggerProvider Log => _kiln.Log;

    public static async Task<ToolHarness> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var kiln = KilnApp.Start(settings);
        var projectId = ProjectIds.New();
        var workspace = kiln.Services.GetRequiredService<ProjectWorkspace>();
        workspace.Create(projectId);
        var outside = Path.Combine(workspace.ProjectDirectory(projectId), "outside");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "secret.txt"), "TOP SECRET");
        return new ToolHarness(kiln, await StartServerAsync(kiln, projectId), projectId, workspace.AppDirectory(projectId), outside);
    }

    /// <summary>Ends this run of the tools and starts the next, as the next prompt's agent would.</summary>
    public async Task NextRunAsync()
    {
        await _server.DisposeAsync();
        _server = await StartServerAsync(_kiln, ProjectId);
    }

    private static Task<InProcessToolServer> StartServerAsync(KilnApp kiln, string projectId) =>
        InProcessToolServer.StartAsync(
            kiln.Services.GetRequiredService<ProjectToolset>().CreateServerOptions(projectId),
            kiln.Services,
            kiln.Services.GetRequiredService<ILoggerFactory>(),
            CancellationToken.None);

    public async Task<(bool IsError, string Text)> CallAsync(string tool, object arguments)
    {
        var result = await CallForResultAsync(tool, arguments);
        return (result.IsError == true, ProjectToolset.TextOf(result));
    }

    public Task<CallToolResult> CallForResultAsync(string tool, object arguments, CancellationToken cancellationToken = default)
    {
        var json = JsonSerializer.SerializeToElement(arguments);
        return _server.CallAsync(tool, json.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()), cancellationToken);
    }

    /// <summary>The project's stored events, oldest first.</summary>
    public async Task<List<ProjectEvent>> EventsAsync() =>
        await Services.GetRequiredService<IEventStore>().ReadAsync(ProjectId, 0, CancellationToken.None).ToListAsync();

    /// <summary>GETs a page of the project's preview, as a browser on its own origin (<c>p-{id}.localhost</c>) would.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Body)> GetPreviewAsync(string path = "/")
    {
        using var client = _kiln.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = $"p-{ProjectId}.localhost:{_kiln.BaseAddress.Port}";
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Writes a file into the app directly, as a test's setup (not through a tool).</summary>
    public void Write(string relative, string content)
    {
        var path = Path.Combine(AppDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>Asserts the directory beside the app is exactly as the harness made it.</summary>
    public void AssertOutsideUntouched()
    {
        Assert.Equal(["secret.txt"], Directory.GetFileSystemEntries(Outside).Select(Path.GetFileName));
        Assert.Equal("TOP SECRET", File.ReadAllText(Path.Combine(Outside, "secret.txt")));
        var projectDirectory = Path.GetDirectoryName(AppDirectory)!;
        Assert.Empty(Directory.GetFileSystemEntries(projectDirectory)
            .Select(Path.GetFileName)
            .Except(["generated-app", ".claude-session", "logs", "outside"]));
        // Beside the project, only Kiln's database, the key ring that seals its MCP tokens, its shared caches, and the
        // pid files (which a test's Kiln keeps under its root: KilnApp).
        Assert.DoesNotContain(
            Directory.GetFileSystemEntries(ProjectsRoot).Select(Path.GetFileName),
            name => name != ProjectId && name is not (".cache" or ".data-protection-keys" or ".pids") && !name!.StartsWith("kiln.db", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _kiln.DisposeAsync();
    }
}
