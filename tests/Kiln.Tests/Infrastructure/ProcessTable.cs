namespace Kiln.Tests.Infrastructure;

/// <summary>Reads processes' command lines from /proc, to find the one a test means to kill.</summary>
public static class ProcessTable
{
    /// <summary>The process's working directory, or "" when it cannot be read.</summary>
    public static string WorkingDirectory(int pid)
    {
        try
        {
            return new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget ?? "";
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
