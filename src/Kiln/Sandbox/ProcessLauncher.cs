using System.Collections.Concurrent;
using System.Diagnostics;

namespace Kiln.Sandbox;

/// <summary>
/// Starts processes from one dedicated thread that lives as long as the runner.
/// bwrap --die-with-parent (and setpriv --pdeathsig) rely on PR_SET_PDEATHSIG, which fires when
/// the *thread* that forked the child exits, not the process. Starting from a thread-pool thread
/// would kill a dev server whenever the pool retires that thread; starting from this thread ties
/// every child to Kiln's lifetime instead, and kills them all when Kiln dies.
/// </summary>
internal sealed class ProcessLauncher : IDisposable
{
    private readonly BlockingCollection<(ProcessStartInfo Info, ControlGroup? Group, TaskCompletionSource<Process> Started)> _requests = [];
    private readonly Thread _thread;

    public ProcessLauncher()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "Kiln sandbox launcher" };
        _thread.Start();
    }

    /// <summary>
    /// Starts the process on the launcher thread, inside <paramref name="group"/> when given. Not cancellable once queued:
    /// a process started after its caller gave up would have no owner.
    /// </summary>
    public Task<Process> StartAsync(ProcessStartInfo info, ControlGroup? group)
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add((info, group, started));
        return started.Task;
    }

    private void Run()
    {
        foreach (var (info, group, started) in _requests.GetConsumingEnumerable())
        {
            try
            {
                var process = new Process { StartInfo = info };
                var thread = group is null ? 0 : NativeMethods.CurrentThreadId();
                // The child is born in the groups this thread is in: it never runs a moment outside its limits.
                group?.Enter(thread);
                try
                {
                    process.Start();
                }
                finally
                {
                    group?.Leave(thread);
                }

                started.SetResult(process);
            }
            catch (Exception exception)
            {
                // Not handled here but handed to the caller, which awaits the start; letting it
                // escape would end this thread and leave every later start waiting forever.
                started.SetException(exception);
            }
        }
    }

    public void Dispose()
    {
        _requests.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
        _requests.Dispose();
    }
}
