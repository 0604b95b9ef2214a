using System.Buffers.Binary;
using System.Text.Json;
using Kiln.Events;
using Kiln.Projects;
using Kiln.Tests.Infrastructure;
using Kiln.Testing;
using Kiln.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace Kiln.Tests.Browser;

/// <summary>
/// Kiln on real Kestrel with projects whose tools are called the way the built-in agent calls them (through Kiln's
/// MCP tool server, in-process), for check_app against real Chromium.
/// </summary>
public sealed class BrowserHarness : IAsyncDisposable
{
    private readonly List<InProcessToolServer> _servers = [];

    private BrowserHarness(KilnApp kiln) => Kiln = kiln;

    public KilnApp Kiln { get; }

    public static BrowserHarness Start(IReadOnlyDictionary<string, string?>? settings = null) => new(KilnApp.Start(settings));

    /// <summary>A ready project (in the store, so its preview answers) with <paramref name="files"/> in its app.</summary>
    public async Task<Project> CreateProjectAsync(IReadOnlyDictionary<string, string> files)
    {
        var projectId = await Kiln.CreateReadyProjectAsync("made for a browser test");
        var app = AppDirectory(projectId);
        foreach (var (relative, content) in files)
        {
            var path = Path.Combine(app, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, content);
        }

        var server = await InProcessToolServer.StartAsync(
            Kiln.Services.GetRequiredService<ProjectToolset>().CreateServerOptions(projectId),
            Kiln.Services,
            Kiln.Services.GetRequiredService<ILoggerFactory>(),
            CancellationToken.None);
        _servers.Add(server);
        return new Project(projectId, server, this);
    }

    public string AppDirectory(string projectId) => Kiln.Services.GetRequiredService<ProjectWorkspace>().AppDirectory(projectId);

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        await Kiln.DisposeAsync();
    }

    /// <summary>One project and its tools.</summary>
    public sealed class Project(string id, InProcessToolServer tools, BrowserHarness harness)
    {
        public string Id { get; } = id;

        public async Task<CallToolResult> CallAsync(string tool, object? arguments = null)
        {
            var json = JsonSerializer.SerializeToElement(arguments ?? new { });
            return await tools.CallAsync(tool, json.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()), TestContext.Current.CancellationToken);
        }

        /// <summary>Calls check_app (Chromium required: skipped, or failed on CI, without it).</summary>
        public Task<CallToolResult> CheckAsync(string? path = null, int? width = null)
        {
            Requires.Chromium();
            return CallAsync("check_app", new Dictionary<string, object?> { ["path"] = path, ["width"] = width }.Where(p => p.Value is not null).ToDictionary());
        }

        public async Task<List<ProjectEvent>> EventsAsync() =>
            await harness.Kiln.Services.GetRequiredService<IEventStore>().ReadAsync(Id, 0, CancellationToken.None).ToListAsync();
    }

    /// <summary>The width and height a PNG's header declares.</summary>
    public static (int Width, int Height) PngSize(ReadOnlySpan<byte> png)
    {
        Assert.True(png.Length > 24 && png[..8].SequenceEqual((byte[])[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(png[16..20]), BinaryPrimitives.ReadInt32BigEndian(png[20..24]));
    }
}
