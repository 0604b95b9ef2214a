using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kiln.Testing;

/// <summary>
/// A real redis-server of its own, on a free loopback port, persisting nothing, in a temporary directory; never
/// the machine's service. Each user of it takes a fresh key prefix, so one server serves many tests.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RedisServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>A key prefix no one else uses on this server.</summary>
    public static string NewPrefix() => $"kiln-test-{Guid.NewGuid():N}:";

    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = Requires.RedisServer();
        // A port that was free a moment ago may be taken by the time redis binds it; then try another.
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("kiln-redis-").FullName;
            var port = FreePort();
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            foreach (var argument in new[]
            {
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", directory, "--daemonize", "no", "--protected-mode", "yes",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
            process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var server = new RedisServer(process, directory, port);
            if (await server.AnswersAsync(cancellationToken))
            {
                return server;
            }

            await server.DisposeAsync();
            if (attempt == 3)
            {
                string said;
                lock (output)
                {
                    said = output.ToString();
                }

                throw new InvalidOperationException($"redis-server did not answer on port {port}: {said}");
            }
        }
    }

    /// <summary>Waits until the server answers PING, or has exited.</summary>
    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        while (!_process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, deadline.Token);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), deadline.Token);
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer, deadline.Token);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (SocketException)
            {
            }
            catch (IOException)
            {
            }

            await Task.Delay(20, deadline.Token);
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
