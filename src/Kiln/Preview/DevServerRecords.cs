using System.Globalization;
using Kiln.Projects;
using Kiln.Sandbox;

namespace Kiln.Preview;

/// <summary>
/// One file per running dev server under <c>{ProjectsRoot}/.dev-servers/</c>, naming the host process that runs
/// it. A Kiln that stops normally stops its servers and removes the files; one that was killed cannot, so the
/// next Kiln reads them at start and kills what is left. Under bubblewrap the kernel already took the servers
/// down with Kiln (die-with-parent, pid namespace); without it, a server's children outlive the parent-death
/// signal, and these records are how they are found: the same process group, working in the project's app.
/// A record also names the Kiln that wrote it (its pid and host), so with a projects root shared by several
/// instances one Kiln's start never kills the servers of another that is still running.
/// </summary>
internal sealed class DevServerRecords(ProjectWorkspace workspace)
{
    public const string DirectoryName = ".dev-servers";

    private string Directory => Path.Combine(workspace.Root, DirectoryName);

    public void Write(string projectId, int pid)
    {
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(
            Path.Combine(Directory, projectId),
            string.Create(CultureInfo.InvariantCulture, $"{pid} {Environment.ProcessId} {Environment.MachineName}"));
    }

    public void Delete(string projectId) => File.Delete(Path.Combine(Directory, projectId));

    /// <summary>Kills the processes of every recorded dev server and forgets them; returns how many processes were killed.</summary>
    public int KillLeftovers()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        var killed = 0;
        foreach (var record in System.IO.Directory.EnumerateFiles(Directory))
        {
            var projectId = Path.GetFileName(record);
            var fields = File.ReadAllText(record).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length >= 3 && !WrittenByAGoneKiln(fields[1], fields[2]))
            {
                continue; // Another instance's server, still supervised by it (or on another host, out of reach).
            }

            if (ProjectIds.IsValid(projectId) && fields.Length > 0 &&
                int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                killed += KillGroupIn(pid, workspace.AppDirectory(projectId));
            }

            File.Delete(record);
        }

        return killed;
    }

    /// <summary>
    /// Kills the recorded process and its process group, but only processes working inside the project's app:
    /// a pid or group id the kernel has since given to an unrelated program is left alone.
    /// </summary>
    private static int KillGroupIn(int leader, string appDirectory)
    {
        var killed = 0;
        foreach (var entry in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
                pid == Environment.ProcessId)
            {
                continue;
            }

            if ((pid == leader || ProcessGroupOf(pid) == leader) && WorksIn(pid, appDirectory) && NativeMethods.KillProcess(pid))
            {
                killed++;
            }
        }

        return killed;
    }

    /// <summary>Whether the Kiln that wrote a record is gone: this host, and its pid is ours (a restart) or runs no Kiln now.</summary>
    private static bool WrittenByAGoneKiln(string kilnPid, string host)
    {
        if (!string.Equals(host, Environment.MachineName, StringComparison.Ordinal))
        {
            return false;
        }

        if (!int.TryParse(kilnPid, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            // A pid the kernel gave to some other program since counts as gone.
            return !File.ReadAllText($"/proc/{pid}/cmdline").Contains("Kiln", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static int? ProcessGroupOf(int pid)
    {
        try
        {
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 2 && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var group) ? group : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool WorksIn(int pid, string appDirectory)
    {
        try
        {
            var cwd = new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget;
            return cwd is not null && ProjectPaths.IsWithin(Path.TrimEndingDirectorySeparator(cwd), appDirectory);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
