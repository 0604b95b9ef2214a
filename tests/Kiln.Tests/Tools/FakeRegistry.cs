using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Tests.Tools;

/// <summary>
/// An npm registry on loopback serving a few tiny packages built in memory, so installs run pnpm's and npm's real
/// HTTP path without the network. It can fail the next requests with a status, to test retries.
/// </summary>
public sealed class FakeRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, (JsonObject Manifest, byte[] Tarball)> _packages = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<string> _requests = [];
    private int _failuresLeft;
    private int _failureStatus;

    private FakeRegistry(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Every request as <c>"STATUS /path"</c>, in arrival order.</summary>
    public IReadOnlyList<string> Requests
    {
        get { lock (_gate) { return [.. _requests]; } }
    }

    public static async Task<FakeRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var registry = new FakeRegistry(app);
        app.Run(registry.ServeAsync);
        await app.StartAsync();
        registry.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/";
        return registry;
    }

    /// <summary>Publishes a package whose index.js exports <paramref name="name"/>; <paramref name="scripts"/> become its package.json scripts.</summary>
    public void Publish(string name, string version = "1.0.0", IReadOnlyDictionary<string, string>? scripts = null)
    {
        var manifest = new JsonObject { ["name"] = name, ["version"] = version, ["main"] = "index.js" };
        if (scripts is not null)
        {
            manifest["scripts"] = new JsonObject(scripts.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value))));
        }

        var tarball = Tarball(manifest.ToJsonString(), $"module.exports = '{name}';\n");
        lock (_gate)
        {
            _packages[name] = (manifest, tarball);
        }
    }

    /// <summary>The next <paramref name="count"/> requests fail with <paramref name="status"/>.</summary>
    public void FailNext(int count, int status = 503)
    {
        lock (_gate)
        {
            _failuresLeft = count;
            _failureStatus = status;
        }
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = Uri.UnescapeDataString(context.Request.Path.Value ?? "/").TrimStart('/');
        int status;
        (JsonObject Manifest, byte[] Tarball) package = (new JsonObject(), []);
        var tarballRequest = path.Contains("/-/", StringComparison.Ordinal);
        var name = tarballRequest ? path[..path.IndexOf("/-/", StringComparison.Ordinal)] : path;
        lock (_gate)
        {
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                status = _failureStatus;
            }
            else
            {
                status = _packages.TryGetValue(name, out package) ? 200 : 404;
            }

            _requests.Add($"{status} /{path}");
        }

        context.Response.StatusCode = status;
        if (status != 200)
        {
            await context.Response.WriteAsync($"{{\"error\":\"{status}\"}}");
            return;
        }

        if (tarballRequest)
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(package.Tarball);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Packument(package.Manifest, package.Tarball).ToJsonString());
    }

    private JsonObject Packument(JsonObject manifest, byte[] tarball)
    {
        var name = manifest["name"]!.GetValue<string>();
        var version = manifest["version"]!.GetValue<string>();
        var entry = (JsonObject)manifest.DeepClone();
        entry["dist"] = new JsonObject
        {
            ["tarball"] = $"{Url}{name}/-/{name}-{version}.tgz",
            ["integrity"] = "sha512-" + Convert.ToBase64String(SHA512.HashData(tarball)),
        };
        return new JsonObject
        {
            ["name"] = name,
            ["dist-tags"] = new JsonObject { ["latest"] = version },
            ["versions"] = new JsonObject { [version] = entry },
            ["time"] = new JsonObject { ["created"] = "2026-01-01T00:00:00.000Z", ["modified"] = "2026-01-01T00:00:00.000Z", [version] = "2026-01-01T00:00:00.000Z" },
        };
    }

    private static byte[] Tarball(string packageJson, string indexJs)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            foreach (var (file, content) in new[] { ("package/package.json", packageJson), ("package/index.js", indexJs) })
            {
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, file)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                });
            }
        }

        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
