using System.Globalization;

namespace Kiln.Sandbox;

/// <summary>
/// A project's pid files (issue 19): one small file per running process Kiln started for the project, in a directory
/// the caller names (<see cref="ProcessSpec.PidDirectory"/>: one per project in a directory of the machine's, outside the
/// projects root, so every Kiln on the machine finds them whatever disk it keeps projects on). Each names
/// this host's boot, the Kiln that started the process (its pid and start time), the process's own pid and the kernel's
/// start time of that pid (so a pid reused since is never killed), how it was isolated and its stray marker. A process
/// that exits removes its file. An owner that died (kill -9, the OOM killer), or was paused and has been fenced off,
/// leaves its files behind, and the project's next owner on this host kills what they name before it starts anything.
/// An agent's CLI, which its client starts, is recorded by its stray marker alone (<see cref="StrayProcesses"/>).
/// </summary>
public static class PidFiles
{
    private const string Suffix = ".pid";

    private static readonly string? Boot = ReadBootId();

    private const string Marked = "Marked";

    /// <summary>Notes a process just started. Best effort: a pid file that cannot be written only costs the next owner a sweep.</summary>
    internal static void Record(string directory, int pid, Isolation isolation, string? marker)
    {
        if (ProcFs.StartTime(pid) is { } start)
        {
            Write(PathOf(directory, pid), pid, start, isolation.ToString(), marker);
        }
    }

    /// <summary>Notes an agent's CLI, which its client starts: known by its stray marker, which every process of it carries.</summary>
    internal static void RecordMarked(string directory, string marker) => Write(PathOf(directory, marker), 0, 0, Marked, marker);

    /// <summary>The CLI's session is over and its processes are killed.</summary>
    internal static void ForgetMarked(string directory, string marker) => Delete(PathOf(directory, marker));

    private static void Write(string file, int pid, long start, string kind, string? marker)
    {
        if (Boot is null)
        {
            return;
        }

        var line = string.Join(' ', Boot, StrayProcesses.Owner, pid.ToString(CultureInfo.InvariantCulture),
            start.ToString(CultureInfo.InvariantCulture), kind, marker ?? "-");
        try
        {
            var directory = Path.GetDirectoryName(file)!;
            if (OperatingSystem.IsWindows() || !IsPrivate(Path.GetDirectoryName(directory)!))
            {
                return;
            }

            // Private to Kiln's user from the first directory made: another user must not plant a file that names a process.
            Directory.CreateDirectory(directory, PrivateMode);
            File.WriteAllText(file, line + "\n");
        }
        catch (IOException)
        {
            // The project directory is being removed, or the disk is full.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The process exited: nothing of it is left to kill.</summary>
    internal static void Forget(string directory, int pid) => Delete(PathOf(directory, pid));

    private static void Delete(string file)
    {
        try
        {
            File.Delete(file);
            // The last one: no empty directory per project is left behind on the machine.
            var directory = Path.GetDirectoryName(file)!;
            if (!Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (IOException)
        {
            // Its directory went with the project, or another owner removed it first.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Kills what another Kiln on this host started for the project and left running (dead, or paused and fenced off:
    /// either way the project is this Kiln's now), with its whole tree, and removes every pid file that no longer names
    /// a running process. Files of this Kiln's own running processes stay. Returns how many recorded processes were killed
    /// (each with its tree).
    /// </summary>
    public static int KillLeftovers(string directory)
    {
        if (Boot is null || !Directory.Exists(directory) || !IsPrivate(Path.GetDirectoryName(directory)!))
        {
            return 0;
        }

        var killed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*" + Suffix))
        {
            var entry = Parse(file);
            if (entry is not null && entry.Boot == Boot && entry.Owner == StrayProcesses.Owner)
            {
                if (entry.Kind == Marked || ProcFs.StartTime(entry.Pid) == entry.Start)
                {
                    continue;
                }
            }
            else if (entry is { Kind: Marked, Marker: { } marker } && entry.Boot == Boot)
            {
                killed += StrayProcesses.KillMarked(marker) > 0 ? 1 : 0;
            }
            else if (entry is not null && entry.Boot == Boot && ProcFs.StartTime(entry.Pid) == entry.Start)
            {
                Kill(entry);
                killed++;
            }

            Delete(file);
        }

        return killed;
    }

    private static void Kill(Entry entry)
    {
        if (entry.Kind == nameof(Isolation.Direct))
        {
            // The command was a session and group leader (setsid): its group first, then whatever left the group.
            NativeMethods.KillProcessGroup(entry.Pid);
            if (entry.Marker is { } marker)
            {
                StrayProcesses.KillMarked(marker);
            }
        }
        else if (ProcFs.FirstChild(entry.Pid) is { } init && ProcFs.IsRunning(init, "bwrap"))
        {
            // bubblewrap's pid-namespace init: the kernel kills everything in the namespace with it.
            NativeMethods.KillProcess(init);
        }

        NativeMethods.KillProcess(entry.Pid);
    }

    private const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Whether the pid files' root may be trusted: made here (private from the start), or one nobody but Kiln's user can
    /// write to. A root others can write to (made by someone else in a shared temp directory, say) is never used: a file
    /// planted there could name one of Kiln's own processes for killing.
    /// </summary>
    private static bool IsPrivate(string root)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            Directory.CreateDirectory(root, PrivateMode);
            return (File.GetUnixFileMode(root) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string PathOf(string directory, int pid) => Path.Join(directory, pid.ToString(CultureInfo.InvariantCulture) + Suffix);

    private static string PathOf(string directory, string marker) => Path.Join(directory, marker + Suffix);

    private static Entry? Parse(string file)
    {
        string[] fields;
        try
        {
            fields = File.ReadAllText(file).Trim().Split(' ');
        }
        catch (IOException)
        {
            return null;
        }

        return fields.Length == 6
               && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
               && long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new Entry(fields[0], fields[1], pid, start, fields[4], fields[5] == "-" ? null : fields[5])
            : null;
    }

    /// <summary>This boot of this host: pids and start times mean something only within it.</summary>
    private static string? ReadBootId()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // Kind: how the process was isolated (an Isolation's name), or Marked for one known only by its marker.
    private sealed record Entry(string Boot, string Owner, int Pid, long Start, string Kind, string? Marker);
}
