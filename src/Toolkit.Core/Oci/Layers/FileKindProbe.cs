using System.Runtime.InteropServices;
using System.Text;

namespace Toolkit.Core.Oci.Layers;

/// <summary>What kind of file a directory entry is, as <c>lstat</c> tells it.</summary>
internal enum FileKind
{
    Regular,
    Directory,
    SymbolicLink,

    /// <summary>A fifo, socket or device: not content a layer should carry.</summary>
    Special,
}

/// <summary>
/// The type and permission bits of a path, without following symbolic links, and for a regular file its
/// <see cref="FileStamp"/> where the kernel tells it (Linux).
/// </summary>
internal readonly record struct FileProbe(FileKind Kind, int PermissionBits, string SpecialKindName, FileStamp? Stamp = null);

/// <summary>
/// The identity of one version of a file, as git's index keeps it: device, inode, size, modification
/// and status-change times. Writing to a file always moves its change time (ctime), which no tool can
/// set back, so an equal stamp means unchanged content.
/// </summary>
internal readonly record struct FileStamp(uint DeviceMajor, uint DeviceMinor, ulong Inode, ulong Size, long ModifiedSeconds, uint ModifiedNanoseconds, long ChangedSeconds, uint ChangedNanoseconds)
{
    public override string ToString()
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{DeviceMajor}:{DeviceMinor}:{Inode}:{Size}:{ModifiedSeconds}.{ModifiedNanoseconds}:{ChangedSeconds}.{ChangedNanoseconds}");
}

/// <summary>
/// .NET does not say whether a file is a fifo, socket or device, and opening a fifo blocks, so on Linux
/// this asks the kernel with <c>statx</c>, whose result layout is the same on every architecture.
/// Elsewhere it falls back to what <see cref="FileSystemInfo"/> knows.
/// </summary>
internal static class FileKindProbe
{
    private static bool _statxUnavailable = !OperatingSystem.IsLinux();

    public static FileProbe Probe(FileSystemInfo info)
    {
        if (!_statxUnavailable && TryStatx(info.FullName, out var mode, out var stamp))
        {
            var permissions = mode & 0xFFF;
            return (mode & NativeMethods.FileTypeMask) switch
            {
                NativeMethods.Directory => new(FileKind.Directory, permissions, "directory"),
                NativeMethods.Regular => new(FileKind.Regular, permissions, "file", stamp),
                NativeMethods.SymbolicLink => new(FileKind.SymbolicLink, permissions, "symbolic link"),
                NativeMethods.Fifo => new(FileKind.Special, permissions, "fifo"),
                NativeMethods.Socket => new(FileKind.Special, permissions, "socket"),
                NativeMethods.CharacterDevice => new(FileKind.Special, permissions, "character device"),
                NativeMethods.BlockDevice => new(FileKind.Special, permissions, "block device"),
                _ => new(FileKind.Special, permissions, "unknown file type"),
            };
        }

        var permissionBits = OperatingSystem.IsWindows() ? 0x1A4 : (int)info.UnixFileMode;
        if (info.LinkTarget is not null)
        {
            return new(FileKind.SymbolicLink, permissionBits, "symbolic link");
        }

        return info is DirectoryInfo
            ? new(FileKind.Directory, permissionBits, "directory")
            : new(FileKind.Regular, permissionBits, "file");
    }

    private static bool TryStatx(string path, out int mode, out FileStamp? stamp)
    {
        mode = 0;
        stamp = null;
        var buffer = new byte[NativeMethods.StatxSize];
        var pathBytes = new byte[Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
        Encoding.UTF8.GetBytes(path, pathBytes);
        try
        {
            var result = NativeMethods.Statx(
                NativeMethods.AtCurrentDirectory, pathBytes, NativeMethods.AtSymlinkNoFollow, NativeMethods.StatxWanted, buffer);
            if (result != 0)
            {
                return false;
            }
        }
        catch (EntryPointNotFoundException)
        {
            _statxUnavailable = true;
            return false;
        }
        catch (DllNotFoundException)
        {
            _statxUnavailable = true;
            return false;
        }

        // struct statx: stx_mask u32 @0, stx_blksize u32 @4, stx_attributes u64 @8, stx_nlink u32 @16,
        // stx_uid u32 @20, stx_gid u32 @24, stx_mode u16 @28.
        mode = BitConverter.ToUInt16(buffer, 28);

        // stx_ino u64 @32, stx_size u64 @40, stx_ctime @96 and stx_mtime @112 (tv_sec i64, tv_nsec u32),
        // stx_dev_major u32 @136, stx_dev_minor u32 @140. Only when the kernel filled them all (stx_mask).
        var filled = BitConverter.ToUInt32(buffer, 0);
        if ((filled & NativeMethods.StatxStampFields) == NativeMethods.StatxStampFields)
        {
            stamp = new FileStamp(
                BitConverter.ToUInt32(buffer, 136),
                BitConverter.ToUInt32(buffer, 140),
                BitConverter.ToUInt64(buffer, 32),
                BitConverter.ToUInt64(buffer, 40),
                BitConverter.ToInt64(buffer, 112),
                BitConverter.ToUInt32(buffer, 120),
                BitConverter.ToInt64(buffer, 96),
                BitConverter.ToUInt32(buffer, 104));
        }

        return true;
    }

    private static class NativeMethods
    {
        public const int StatxSize = 256;
        public const int AtCurrentDirectory = -100;
        public const int AtSymlinkNoFollow = 0x100;
        public const uint StatxTypeAndMode = 0x3;

        /// <summary>STATX_MTIME | STATX_CTIME | STATX_INO | STATX_SIZE.</summary>
        public const uint StatxStampFields = 0x40 | 0x80 | 0x100 | 0x200;

        public const uint StatxWanted = StatxTypeAndMode | StatxStampFields;

        public const int FileTypeMask = 0xF000;
        public const int Fifo = 0x1000;
        public const int CharacterDevice = 0x2000;
        public const int Directory = 0x4000;
        public const int BlockDevice = 0x6000;
        public const int Regular = 0x8000;
        public const int SymbolicLink = 0xA000;
        public const int Socket = 0xC000;

        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Statx(int directoryFd, byte[] pathname, int flags, uint mask, [Out] byte[] buffer);
    }
}
