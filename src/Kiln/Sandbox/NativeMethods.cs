using System.Runtime.InteropServices;

namespace Kiln.Sandbox;

/// <summary>
/// The libc calls .NET does not expose: signalling a process group (or any pid), the hard-link count of a
/// file, and making a hard link. statx is used because its layout is the same on every architecture.
/// </summary>
internal static class NativeMethods
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxNlink = 0x4;
    private const int StatxSize = 256;
    private const int StatxNlinkOffset = 16;

    public const int SigKill = 9;

    // DllImport rather than LibraryImport: the generated stubs need unsafe code, which Kiln does not enable.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(
        int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);

    [DllImport("libc", EntryPoint = "gettid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetTid();

    /// <summary>The kernel's id of the calling thread, which cgroup v1 places on its own (<see cref="ControlGroup"/>).</summary>
    public static int CurrentThreadId() => GetTid();

    /// <summary>Makes <paramref name="created"/> a hard link to <paramref name="existing"/>; false when the file system refuses (another device, too many links).</summary>
    public static bool TryCreateHardLink(string existing, string created) => Link(existing, created) == 0;

    /// <summary>Sends SIGKILL to one process; false when it no longer exists.</summary>
    public static bool KillProcess(int pid) => pid > 1 && Kill(pid, SigKill) == 0;

    /// <summary>Sends SIGKILL to every process in the group; false when the group no longer exists.</summary>
    public static bool KillProcessGroup(int processGroupId) =>
        processGroupId > 1 && Kill(-processGroupId, SigKill) == 0;

    /// <summary>The number of hard links of the file itself (not following a final symlink); null when it cannot be read.</summary>
    public static uint? HardLinkCount(string path)
    {
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxNlink, buffer) != 0)
        {
            return null;
        }

        return BitConverter.ToUInt32(buffer, StatxNlinkOffset);
    }
}
