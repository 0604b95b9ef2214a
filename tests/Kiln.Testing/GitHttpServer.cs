using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kiln.Testing;

/// <summary>
/// A git host on 127.0.0.1: git's own smart-HTTP server, <c>git http-backend</c>, run as a CGI program behind Kestrel,
/// serving the bare repositories under <see cref="Root"/>. Like GitHub, GitLab and Gitea it takes an access token as the
/// password of HTTP Basic credentials, with any user name, and answers every request without it with 401 and
/// <c>WWW-Authenticate: Basic</c>.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _git;
    private readonly string _token;
    private readonly ConcurrentQueue<string> _refused = new();

    private GitHttpServer(WebApplication app, string git, string root, string token)
    {
        _app = app;
        _git = git;
        Root = root;
        _token = token;
    }

    /// <summary>The directory holding the bare repositories.</summary>
    public string Root { get; }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The paths of the requests refused for lacking the token, in arrival order.</summary>
    public IReadOnlyCollection<string> Refused => _refused;

    /// <summary>Starts a server that accepts <paramref name="token"/> alone.</summary>
    public static async Task<GitHttpServer> StartAsync(string token)
    {
        var git = Requires.Git();
        var root = Directory.CreateTempSubdirectory("kiln-test-git-host-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new GitHttpServer(app, git, root, token);
        app.Run(server.ServeAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return server;
    }

    /// <summary>Makes an empty bare repository and returns its URL.</summary>
    public async Task<string> CreateRepositoryAsync(string name)
    {
        await GitAsync(Root, "init", "--quiet", "--bare", "--initial-branch=main", name);
        return $"{BaseUrl}/{name}";
    }

    /// <summary>Runs git in a bare repository (as its owner, with no credentials) and returns its standard output.</summary>
    public async Task<string> GitInAsync(string repository, params string[] arguments) =>
        await GitAsync(Path.Combine(Root, repository), arguments);

    /// <summary>Puts a commit on <paramref name="branch"/> that no project has, as someone else's push would.</summary>
    public async Task CommitElsewhereAsync(string repository, string branch)
    {
        var emptyTree = (await GitInAsync(repository, "hash-object", "-t", "tree", "-w", "/dev/null")).Trim();
        var commit = (await GitInAsync(repository, "commit-tree", emptyTree, "-m", "pushed by someone else")).Trim();
        await GitInAsync(repository, "update-ref", $"refs/heads/{branch}", commit);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    private async Task<string> GitAsync(string directory, params string[] arguments)
    {
        var result = await ExternalProgram.RunAsync(_git, arguments, TimeSpan.FromSeconds(60), CancellationToken.None, directory, new Dictionary<string, string?>
        {
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["GIT_AUTHOR_NAME"] = "Someone",
            ["GIT_AUTHOR_EMAIL"] = "someone@example.com",
            ["GIT_COMMITTER_NAME"] = "Someone",
            ["GIT_COMMITTER_EMAIL"] = "someone@example.com",
        });
        return result.ExitCode == 0
            ? result.Output
            : throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed with {result.ExitCode}: {result.Errors}");
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (User(context.Request.Headers.Authorization.ToString()) is not { } user)
        {
            _refused.Enqueue(context.Request.Path + context.Request.QueryString);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"kiln-test\"";
            return;
        }

        var start = new ProcessStartInfo(_git)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("http-backend");
        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_PROJECT_ROOT"] = Root;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["REMOTE_USER"] = user;
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        start.Environment["REQUEST_METHOD"] = context.Request.Method;
        start.Environment["PATH_INFO"] = context.Request.Path.Value ?? "/";
        start.Environment["QUERY_STRING"] = context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "";
        start.Environment["CONTENT_TYPE"] = context.Request.ContentType ?? "";
        if (context.Request.ContentLength is { } length)
        {
            start.Environment["CONTENT_LENGTH"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (context.Request.Headers.ContentEncoding.ToString() is { Length: > 0 } encoding)
        {
            start.Environment["HTTP_CONTENT_ENCODING"] = encoding;
        }

        if (context.Request.Headers["Git-Protocol"].ToString() is { Length: > 0 } protocol)
        {
            start.Environment["GIT_PROTOCOL"] = protocol;
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        // The whole body in, then the whole answer out: a CGI program may read all of its input before it writes.
        await context.Request.Body.CopyToAsync(process.StandardInput.BaseStream, context.RequestAborted);
        process.StandardInput.Close();
        using var answer = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(answer, context.RequestAborted);
        await process.WaitForExitAsync(context.RequestAborted);
        await errors;
        await WriteCgiAnswerAsync(context, answer.ToArray());
    }

    /// <summary>The user name of Basic credentials whose password is the token; null for anything else.</summary>
    private string? User(string authorization)
    {
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && pair[(colon + 1)..] == _token ? pair[..colon] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static async Task WriteCgiAnswerAsync(HttpContext context, byte[] answer)
    {
        var end = answer.AsSpan().IndexOf("\r\n\r\n"u8);
        var separator = 4;
        if (end < 0)
        {
            end = answer.AsSpan().IndexOf("\n\n"u8);
            separator = 2;
        }

        if (end < 0)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        foreach (var line in Encoding.ASCII.GetString(answer, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                context.Response.Headers.Append(name, value);
            }
        }

        await context.Response.Body.WriteAsync(answer.AsMemory(end + separator));
    }
}
