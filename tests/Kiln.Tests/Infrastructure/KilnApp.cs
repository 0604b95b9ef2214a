using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace Kiln.Tests.Infrastructure;

/// <summary>
/// Kiln itself, on real Kestrel on a loopback port, with its own projects root. Settings are what a person
/// would put in configuration; the offline model is used unless a model endpoint is given.
/// </summary>
public sealed class KilnApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private KilnApp(string projectsRoot, Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        ProjectsRoot = projectsRoot;
        _settings = settings;
        _services = services;
    }

    public string ProjectsRoot { get; }

    /// <summary>Every warning and error Kiln logged.</summary>
    public CapturingLoggerProvider Log { get; } = new();

    public Uri BaseAddress => ClientOptions.BaseAddress;

    /// <summary>Leave the projects root on disk when disposed, for a test that starts Kiln again on it.</summary>
    public bool KeepProjectsRoot { get; set; }

    /// <param name="settings">Configuration, as a person would set it; a null value leaves that setting unset.</param>
    /// <param name="projectsRoot">An existing root (another Kiln's), or null for a new temporary one.</param>
    /// <param name="port">A fixed loopback port, for a test that restarts Kiln where a client expects it; 0 for any.</param>
    /// <param name="services">Replaces Kiln's services after its own registrations (a FakeTimeProvider, say).</param>
    public static KilnApp Start(IReadOnlyDictionary<string, string?>? settings = null, string? projectsRoot = null, int port = 0, Action<IServiceCollection>? services = null)
    {
        var root = projectsRoot ?? TempDirectory.Create("kiln-root");
        var all = new Dictionary<string, string?>
        {
            ["Kiln:ProjectsRoot"] = root,
            // The machine's pid files stay the test's own: no test's Kiln sweeps another's.
            ["Kiln:PidFilesRoot"] = Path.Combine(root, ".pids"),
            // Never reach a real model from a test, whatever the machine's environment holds.
            ["Anthropic:ApiKey"] = "",
            ["ANTHROPIC_API_KEY"] = "",
            ["ANTHROPIC_BASE_URL"] = "",
            ["OPENAI_API_KEY"] = "",
            ["OPENAI_BASE_URL"] = "",
            // Nothing listens here: a machine's own Ollama stays out of the tests.
            ["OLLAMA_HOST"] = "http://127.0.0.1:9",
            // Tests that generate an app are about something else (events, the API, the UI) and expect the offline model's
            // static app, which needs no node or registry. A test about the Vite app sets "auto" or "vite" (OfflineViteTests).
            ["Kiln:Agent:Offline:AppStack"] = "static",
            // Stopping a test's Kiln interrupts what runs at once, as it did before the drain existed; the shutdown tests set their own.
            ["Kiln:ShutdownTimeout"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            // Null leaves a setting unset, as if the person never wrote it; it also removes a default set above.
            if (value is null)
            {
                all.Remove(key);
            }
            else
            {
                all[key] = value;
            }
        }

        var app = new KilnApp(root, all, services);
        app.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        app.StartServer();
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        // The console keeps warnings and errors only, so a failing test's message is not buried under request lines.
        builder.ConfigureLogging(logging => logging
            .AddProvider(Log)
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(level => level >= LogLevel.Warning));
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    public HttpClient Client(string? token = null)
    {
        var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<string> GenerateAsync(string prompt, string? projectId = null, CancellationToken cancellationToken = default)
    {
        using var client = Client();
        using var response = await client.PostAsJsonAsync("/api/generate", new { prompt, projectId }, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/generate answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("projectId").GetString()!;
    }

    /// <summary>A ready project with an empty app, as if a generation had just made its directory.</summary>
    public async Task<string> CreateReadyProjectAsync(string prompt = "made for a test")
    {
        var projectId = Kiln.Projects.ProjectIds.New();
        Services.GetRequiredService<Kiln.Projects.ProjectWorkspace>().Create(projectId);
        await Services.GetRequiredService<Kiln.Projects.IProjectStore>().CreateAsync(new Kiln.Projects.Project
        {
            Id = projectId,
            Status = Kiln.Projects.ProjectStatus.Ready,
            Prompts = [new Kiln.Projects.ProjectPrompt(prompt, DateTimeOffset.UtcNow)],
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
            Runtime = "builtin",
            Model = "none",
        }, CancellationToken.None);
        return projectId;
    }

    public async Task<JsonElement> StatusAsync(string projectId, CancellationToken cancellationToken = default)
    {
        using var client = Client();
        return await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/status", cancellationToken);
    }

    /// <summary>Polls the status until it is one of <paramref name="statuses"/>.</summary>
    public async Task<JsonElement> WaitForStatusAsync(string projectId, TimeSpan timeout, params string[] statuses)
    {
        using var deadline = new CancellationTokenSource(timeout);
        JsonElement status = default;
        while (!deadline.IsCancellationRequested)
        {
            status = await StatusAsync(projectId, deadline.Token);
            var current = status.GetProperty("status").GetString();
            if (statuses.Contains(current))
            {
                return status;
            }

            if (current is "ready" or "failed" or "cancelled" or "interrupted")
            {
                throw new InvalidOperationException($"Project {projectId} ended {current}, not {string.Join("|", statuses)}: {status}");
            }

            await Task.Delay(50, CancellationToken.None);
        }

        throw new TimeoutException($"Project {projectId} did not reach {string.Join("|", statuses)} within {timeout}; last status: {status}");
    }

    /// <summary>
    /// Polls the project until it holds <paramref name="count"/> prompts and its generation ended (ready or failed):
    /// what a test waits for after a follow-up sent from a page, which may reach Kiln after a status poll would have
    /// read the previous generation's "ready".
    /// </summary>
    public async Task<JsonElement> WaitForPromptsAsync(string projectId, int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var client = Client();
        JsonElement project = default;
        while (!deadline.IsCancellationRequested)
        {
            project = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}", deadline.Token);
            if (project.GetProperty("prompts").GetArrayLength() >= count && project.GetProperty("project").GetProperty("status").GetString() is "ready" or "failed")
            {
                return project;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        throw new TimeoutException($"Project {projectId} did not hold {count} prompts and end its generation within {timeout}: {project}");
    }

    /// <summary>The project's MCP URL and token, from GET /api/projects/{id}/mcp, as a client gets them.</summary>
    public async Task<(Uri Url, string Token)> McpConnectionAsync(string projectId, string? kilnToken = null)
    {
        using var client = Client(kilnToken);
        using var response = await client.GetAsync($"/api/projects/{projectId}/mcp", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /api/projects/{projectId}/mcp answered {(int)response.StatusCode}: {body}");
        var connection = JsonDocument.Parse(body).RootElement;
        return (new Uri(connection.GetProperty("url").GetString()!), connection.GetProperty("token").GetString()!);
    }

    /// <summary>
    /// An MCP client on the project's endpoint with the project's token, as an external agent connects: in
    /// <c>Authorization</c>, or beside Kiln's own token in <c>Kiln-Mcp-Token</c> when <paramref name="kilnToken"/> is set.
    /// </summary>
    public async Task<McpClient> ConnectMcpAsync(string projectId, string? kilnToken = null)
    {
        var (url, token) = await McpConnectionAsync(projectId, kilnToken);
        var headers = kilnToken is null
            ? new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" }
            : new Dictionary<string, string> { ["Authorization"] = $"Bearer {kilnToken}", ["Kiln-Mcp-Token"] = token };
        return await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = url, TransportMode = HttpTransportMode.StreamableHttp, AdditionalHeaders = headers }),
            cancellationToken: TestContext.Current.CancellationToken);
    }

    public EventSubscriber Events(string projectId, long after = 0, string? token = null) =>
        new(new Uri(BaseAddress, $"/ws/{projectId}?after={after}{(token is null ? "" : $"&access_token={token}")}"));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (!KeepProjectsRoot)
        {
            TempDirectory.Delete(ProjectsRoot);
        }
    }
}
