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

/// <summary>The type and permission bits of a path, without following symbolic links.</summary>
internal readonly record struct FileProbe(FileKind Kind, int PermissionBits, string SpecialKindName);

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
        if (!_statxUnavailable && TryStatx(info.FullName, out var mode))
        {
            var permissions = mode & 0xFFF;
            return (mode & NativeMethods.FileTypeMask) switch
            {
                NativeMethods.Directory => new(FileKind.Directory, permissions, "directory"),
                NativeMethods.Regular => new(FileKind.Regular, permissions, "file"),
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

    private static bool TryStatx(string path, out int mode)
    {
        mode = 0;
        var buffer = new byte[NativeMethods.StatxSize];
        var pathBytes = new byte[Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
        Encoding.UTF8.GetBytes(path, pathBytes);
        try
        {
            var result = NativeMethods.Statx(
                NativeMethods.AtCurrentDirectory, pathBytes, NativeMethods.AtSymlinkNoFollow, NativeMethods.StatxTypeAndMode, buffer);
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
        return true;
    }

    private static class NativeMethods
    {
        public const int StatxSize = 256;
        public const int AtCurrentDirectory = -100;
        public const int AtSymlinkNoFollow = 0x100;
        public const uint StatxTypeAndMode = 0x3;

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
