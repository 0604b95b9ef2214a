using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kiln.Bench;

/// <summary>
/// The baseline of the preview benchmarks: what a person types to get a react-ts app running, with no Kiln.
/// <c>pnpm create vite</c> (the same create-vite release Kiln pins), <c>pnpm install</c> and <c>vite</c>, until
/// the dev server answers HTTP. Its pnpm store and caches live under <paramref name="home"/>, so a fresh home is
/// the cold case and a reused one the warm case.
/// </summary>
public sealed class HandRun(string home, string createViteVersion)
{
    private bool _primed;

    /// <summary>
    /// Scaffolds, installs (offline when <paramref name="warm"/>, except the first run, which fills the store),
    /// starts Vite and waits for its first answer.
    /// </summary>
    public async Task RunAsync(bool warm)
    {
        warm &= _primed;
        _primed = true;
        var work = Directory.CreateTempSubdirectory("kiln-bench-hand-").FullName;
        try
        {
            await ExecAsync(work, "pnpm", "dlx", $"create-vite@{createViteVersion}", "app", "--template", "react-ts", "--no-interactive");
            var app = Path.Combine(work, "app");
            await (warm ? ExecAsync(app, "pnpm", "install", "--offline") : ExecAsync(app, "pnpm", "install"));

            var port = FreePort();
            using var vite = Start(app, "pnpm", "exec", "vite", "--host", "127.0.0.1", "--port", $"{port}", "--strictPort");
            try
            {
                await WaitForHttpAsync(new Uri($"http://127.0.0.1:{port}/"), vite);
            }
            finally
            {
                vite.Kill(entireProcessTree: true);
                await vite.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task ExecAsync(string directory, params string[] argv)
    {
        using var process = Start(directory, argv);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', argv)}' exited with {process.ExitCode}: {await output}{await errors}");
        }
    }

    private Process Start(string directory, params string[] argv)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        // pnpm keeps its store under XDG_DATA_HOME and its dlx and metadata caches under XDG_CACHE_HOME.
        start.Environment["XDG_DATA_HOME"] = Path.Combine(home, "data");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(home, "cache");
        start.Environment["CI"] = "true";
        var process = Process.Start(start)!;
        if (argv.Contains("vite"))
        {
            // A long-lived server: drain its output so it never blocks on a full pipe.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
        }

        return process;
    }

    private static async Task WaitForHttpAsync(Uri url, Process server)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"vite exited with {server.ExitCode} before answering.");
            }

            try
            {
                using var response = await client.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or SocketException or IOException)
            {
                // Not listening yet (a connect racing the listen can surface as a bare SocketException).
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"vite did not answer on {url} within a minute.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
