using Kiln.Api;
using Kiln.Events;
using Kiln.Projects;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Bench;

/// <summary>
/// Kiln's real pipeline on real Kestrel on a loopback port, in the benchmark's own process, so a benchmark can store
/// events through its <see cref="EventLog"/> and time them with the same clock its clients read.
/// </summary>
public sealed class InProcessKiln : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _root;

    private InProcessKiln(WebApplication app, string root, Uri baseAddress)
    {
        _app = app;
        _root = root;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public EventLog Events => _app.Services.GetRequiredService<EventLog>();

    public IProjectStore Store => _app.Services.GetRequiredService<IProjectStore>();

    public static async Task<InProcessKiln> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var root = Directory.CreateTempSubdirectory("kiln-bench-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Kiln:ProjectsRoot"] = root,
            ["Anthropic:ApiKey"] = "",
            ["Logging:LogLevel:Default"] = "Warning",
            // The web UI's files are not beside the benchmark, and nothing here asks for them.
            ["Logging:LogLevel:Microsoft.AspNetCore.StaticFiles"] = "Error",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddKiln();
        var app = builder.Build();
        app.UseKiln();
        app.MapProjects();
        app.MapEvents();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InProcessKiln(app, root, new Uri(address));
    }

    /// <summary>A ready project with no events, as if a generation had just ended.</summary>
    public async Task<string> CreateProjectAsync()
    {
        var projectId = ProjectIds.New();
        var now = DateTimeOffset.UtcNow;
        await Store.CreateAsync(new Project
        {
            Id = projectId,
            Status = ProjectStatus.Ready,
            Prompts = [new ProjectPrompt("fan-out benchmark", now)],
            CreatedAt = now,
            UpdatedAt = now,
            Runtime = "builtin",
            Model = "none",
        }, CancellationToken.None);
        return projectId;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
