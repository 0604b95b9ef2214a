using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kiln.Testing;

/// <summary>
/// A real nginx of its own, run as the current user from a temporary prefix with the configuration
/// <c>deploy/nginx/kiln.conf</c> filled in for the given Kiln instances; never the machine's service.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output;

    private NginxServer(Process process, string directory, int port, StringBuilder output)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _output = output;
    }

    public int Port { get; }

    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));

    /// <summary>What nginx wrote to its error log so far (stderr), for a failing test's message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts nginx on <paramref name="port"/> (one the caller reserved with <see cref="FreePort"/>, because the
    /// instances were told it as their preview domain) in front of <paramref name="instances"/>.
    /// </summary>
    public static async Task<NginxServer> StartAsync(int port, IEnumerable<Uri> instances, CancellationToken cancellationToken = default)
    {
        var executable = Requires.Nginx();
        var directory = Directory.CreateTempSubdirectory("kiln-nginx-").FullName;
        Directory.CreateDirectory(Path.Join(directory, "tmp"));
        Directory.CreateDirectory(Path.Join(directory, "logs"));
        var servers = string.Join("\n    ", instances.Select(url => $"server {url.Authority};"));
        // Placeholders are filled in on configuration lines only; the file's comments name them too.
        var lines = (await File.ReadAllLinesAsync(ConfigTemplatePath, cancellationToken)).Select(line => line.TrimStart().StartsWith('#')
            ? line
            : line.Replace("@LISTEN@", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}"), StringComparison.Ordinal)
                .Replace("@SERVER_NAME@", "_", StringComparison.Ordinal)
                .Replace("@INSTANCES@", servers, StringComparison.Ordinal)).ToList();
        if (lines.FirstOrDefault(line => !line.TrimStart().StartsWith('#') && line.Contains('@', StringComparison.Ordinal)) is { } unfilled)
        {
            throw new InvalidOperationException($"{ConfigTemplatePath} has a placeholder this test does not fill in: {unfilled.Trim()}");
        }

        var site = string.Join('\n', lines);
        await File.WriteAllTextAsync(Path.Join(directory, "kiln.conf"), site, cancellationToken);
        // The main context a packaged nginx.conf would give: the site file goes inside http { }, with every
        // temporary directory under this prefix so nothing needs root.
        await File.WriteAllTextAsync(Path.Join(directory, "generated.conf"), """
            worker_processes 1;
            events { worker_connections 1024; }
            http {
                client_body_temp_path tmp/client_body;
                proxy_temp_path tmp/proxy;
                fastcgi_temp_path tmp/fastcgi;
                uwsgi_temp_path tmp/uwsgi;
                scgi_temp_path tmp/scgi;
                access_log off;
                include kiln.conf;
            }
            """, cancellationToken);

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[] { "-p", directory + "/", "-c", "generated.conf", "-g", "daemon off; pid tmp/nginx.pid; error_log stderr;" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new NginxServer(process, directory, port, output);
        if (!await server.ListensAsync(cancellationToken))
        {
            var said = server.Output;
            await server.DisposeAsync();
            throw new InvalidOperationException($"nginx did not listen on port {port}: {said}");
        }

        return server;
    }

    /// <summary>
    /// A port nothing listens on right now, reserved for a server that binds it later (nginx, a Kiln's silo): from below
    /// the kernel's ephemeral range, whose ports the kernel also hands to outgoing connections, so that no connection
    /// takes it meanwhile (a silo's bind failed with AddressInUse once in a full run).
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(10000, 32768);
            try
            {
                using var probe = new TcpListener(IPAddress.Any, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: another.
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>deploy/nginx/kiln.conf of the repository these tests were built from.</summary>
    public static string ConfigTemplatePath
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Join(directory.FullName, "deploy", "nginx", "kiln.conf");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException($"deploy/nginx/kiln.conf was not found above {AppContext.BaseDirectory}.");
        }
    }

    private async Task<bool> ListensAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        while (!_process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, deadline.Token);
                return true;
            }
            catch (SocketException)
            {
            }

            await Task.Delay(20, deadline.Token);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
