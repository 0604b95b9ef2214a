using System.Runtime.InteropServices;

namespace Kiln.Sandbox;

/// <summary>
/// The libc calls .NET does not expose: signalling a process group (or any pid), the hard-link count of a
/// file, making a hard link, and a file system's free space and inodes. statx is used because its layout is the same on every architecture.
/// </summary>
internal static class NativeMethods
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxNlink = 0x4;
    private const int StatxSize = 256;
    private const int StatxNlinkOffset = 16;

    // struct statvfs on 64-bit Linux (glibc and musl alike): unsigned longs f_bsize, f_frsize, f_blocks, f_bfree,
    // f_bavail, f_files, f_ffree, ...; 112 bytes in all.
    private const int StatVfsSize = 128;
    private const int StatVfsFragmentSizeOffset = 8;
    private const int StatVfsFreeBlocksOffset = 24;
    private const int StatVfsFreeFilesOffset = 48;

    public const int SigKill = 9;

    // DllImport rather than LibraryImport: the generated stubs need unsafe code, which Kiln does not enable.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(
        int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "statvfs", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int StatVfs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] buffer);

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

    /// <summary>
    /// The free bytes and free inodes of the file system holding <paramref name="path"/>; null when it cannot be read
    /// or is not a 64-bit layout. A file system that does not count inodes (btrfs) reports no change in them.
    /// </summary>
    public static FileSystemSpace? FreeSpace(string path)
    {
        if (!Environment.Is64BitProcess)
        {
            return null;
        }

        var buffer = new byte[StatVfsSize];
        if (StatVfs(path, buffer) != 0)
        {
            return null;
        }

        var fragment = BitConverter.ToInt64(buffer, StatVfsFragmentSizeOffset);
        return new FileSystemSpace(
            BitConverter.ToInt64(buffer, StatVfsFreeBlocksOffset) * fragment, BitConverter.ToInt64(buffer, StatVfsFreeFilesOffset));
    }

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

/// <summary>What a file system has left: bytes, and inodes (files and directories).</summary>
internal readonly record struct FileSystemSpace(long Bytes, long Files);
