using System.Globalization;

namespace Kiln.Sandbox;

/// <summary>The few facts about other processes Kiln reads from /proc.</summary>
internal static class ProcFs
{
    /// <summary>The first child of a process (bwrap's pid-namespace init), or null when there is none or the kernel does not say.</summary>
    public static int? FirstChild(int pid)
    {
        try
        {
            var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children");
            var first = children.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return first is not null && int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var child) ? child : null;
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

    /// <summary>When the process started, in clock ticks since boot: with its pid, a name no later process shares. Null when it is gone.</summary>
    public static long? StartTime(int pid)
    {
        try
        {
            // "pid (comm) state ppid ...": starttime is the 22nd field, the 20th after the comm's closing parenthesis.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : null;
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

    /// <summary>True while the process exists and is not a zombie; <paramref name="name"/> guards against a reused pid.</summary>
    public static bool IsRunning(int pid, string? name = null)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }

        // "pid (comm) S ...": comm may itself contain parentheses, so split at the last one.
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open || close + 2 >= stat.Length)
        {
            return false;
        }

        if (name is not null && stat[(open + 1)..close] != name)
        {
            return false;
        }

        return stat[close + 2] is not ('Z' or 'X');
    }
}
