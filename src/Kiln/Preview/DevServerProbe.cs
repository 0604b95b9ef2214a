using System.Globalization;

namespace Kiln.Preview;

/// <summary>How a run's wait for its first HTTP answer ended.</summary>
internal enum DevServerReadiness
{
    Answered,
    Exited,
    TimedOut,
    Stopped,
}

/// <summary>
/// Waits until a run of a dev server answers HTTP on its port: the moment the preview can reach it. Any answer
/// counts; the wait ends early when the process exits, the run is stopped, or Kiln stops.
/// </summary>
internal static class DevServerProbe
{
    // A refused connection on loopback costs microseconds; probing often shaves the wait after Vite is up.
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<DevServerReadiness> WaitUntilAnswersAsync(
        DevServerRun run, HttpMessageInvoker upstream, TimeSpan timeout, TimeProvider time, CancellationToken stopping)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stopping);
        var root = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{DevServerScript.Host}:{run.Port}/"));
        while (true)
        {
            if (run.Process.Exited.IsCompleted)
            {
                return DevServerReadiness.Exited;
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, root);
                using var response = await upstream.SendAsync(request, linked.Token);
                // Any answer at all: a 404 or a compile error page is still a server the preview can reach.
                return DevServerReadiness.Answered;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                return Ended();
            }

            await Task.WhenAny(run.Process.Exited, Task.Delay(ProbeInterval, time, linked.Token));
            if (linked.IsCancellationRequested)
            {
                return Ended();
            }
        }

        DevServerReadiness Ended() => stopping.IsCancellationRequested || run.StopRequested ? DevServerReadiness.Stopped : DevServerReadiness.TimedOut;
    }
}
