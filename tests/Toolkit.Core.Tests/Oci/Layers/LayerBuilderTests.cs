using System.Formats.Tar;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Layers;
using Toolkit.Testing;
using static Toolkit.Core.Tests.Oci.Layers.LayerTestContent;

namespace Toolkit.Core.Tests.Oci.Layers;

[SupportedOSPlatform("linux")]
public class LayerBuilderTests
{
    private static readonly LayerOptions Uncompressed = new() { Compression = LayerCompression.None, Timestamp = Timestamp };

    private static CancellationToken Token => CancellationToken.None;

    public class Normalisation
    {
        [Fact]
        public async Task Entries_are_sorted_by_path_with_the_parents_of_the_target_first()
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteFile(source.Path, "b.txt", "b");
            WriteFile(source.Path, "a/z.txt", "z");
            WriteFile(source.Path, "a-b.txt", "ab");
            WriteFile(source.Path, "A.txt", "upper");

            // When
            var (_, blob) = await BuildAsync(Uncompressed, Token, new LayerSource(source.Path, "/opt/app"));

            // Then
            var names = ReadEntries(blob).Select(e => e.Name).ToArray();
            Assert.Equal(
                ["opt/", "opt/app/", "opt/app/A.txt", "opt/app/a/", "opt/app/a-b.txt", "opt/app/a/z.txt", "opt/app/b.txt"],
                names);
        }

        [Fact]
        public async Task Every_entry_has_the_given_time_and_owner_and_no_user_names()
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteFile(source.Path, "dir/file.txt", "content");
            File.SetLastWriteTimeUtc(source.Combine("dir", "file.txt"), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
            var options = Uncompressed with { Uid = 1000, Gid = 1001, Timestamp = Timestamp.AddMilliseconds(750) };

            // When
            var (_, blob) = await BuildAsync(options, Token, new LayerSource(source.Path, "/app"));

            // Then
            var entries = ReadEntries(blob);
            Assert.Equal(3, entries.Count);
            Assert.All(entries, e =>
            {
                Assert.Equal(Timestamp, e.ModificationTime);
                Assert.Equal(1000, e.Uid);
                Assert.Equal(1001, e.Gid);
                Assert.Equal(string.Empty, e.UserName);
                Assert.Equal(string.Empty, e.GroupName);
                Assert.Empty(e.PaxKeys);
            });
        }

        [Fact]
        public async Task Modes_are_normalised_and_the_execute_bit_is_kept()
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteFile(source.Path, "run.sh", "#!/bin/sh\n");
            WriteFile(source.Path, "private.txt", "secret-ish");
            WriteFile(source.Path, "public.txt", "hello");
            Directory.CreateDirectory(source.Combine("locked"));
            File.SetUnixFileMode(source.Combine("run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(source.Combine("private.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(source.Combine("public.txt"), (UnixFileMode)0x1FF);
            File.SetUnixFileMode(source.Combine("locked"), UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);

            // When
            var (_, blob) = await BuildAsync(Uncompressed, Token, new LayerSource(source.Path, "/"));

            // Then
            var modes = ReadEntries(blob).ToDictionary(e => e.Name, e => (int)e.Mode);
            Assert.Equal(0x1ED, modes["run.sh"]);      // 0755
            Assert.Equal(0x1A4, modes["private.txt"]); // 0644
            Assert.Equal(0x1ED, modes["public.txt"]);  // 0777 has execute bits: 0755
            Assert.Equal(0x1ED, modes["locked/"]);     // 0755
        }

        [Fact]
        public async Task Symbolic_links_stay_links_with_their_target_text()
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteFile(source.Path, "lib/libreal.so.1", "elf");
            File.CreateSymbolicLink(source.Combine("lib", "libreal.so"), "libreal.so.1");
            File.CreateSymbolicLink(source.Combine("dangling"), "/does/not/exist");
            Directory.CreateSymbolicLink(source.Combine("libdir"), "lib");

            // When
            var (_, blob) = await BuildAsync(Uncompressed, Token, new LayerSource(source.Path, "/app"));

            // Then
            var entries = ReadEntries(blob).ToDictionary(e => e.Name);
            Assert.Equal(TarEntryType.SymbolicLink, entries["app/lib/libreal.so"].Type);
            Assert.Equal("libreal.so.1", entries["app/lib/libreal.so"].LinkName);
            Assert.Equal("/does/not/exist", entries["app/dangling"].LinkName);
            Assert.Equal(TarEntryType.SymbolicLink, entries["app/libdir"].Type);
            Assert.Equal(0x1FF, (int)entries["app/libdir"].Mode);
            Assert.DoesNotContain("app/libdir/libreal.so.1", entries.Keys);
        }

        [Fact]
        public async Task Long_and_non_ascii_paths_keep_their_full_names()
        {
            // Given
            using var source = new TemporaryDirectory();
            var splittable = string.Join('/', Enumerable.Range(0, 8).Select(i => $"segment-{i:D2}-abcdefgh")) + "/file.txt";
            var unsplittable = new string('n', 120) + ".txt";
            const string Unicode = "données/ファイル.txt";
            WriteFile(source.Path, splittable, "one");
            WriteFile(source.Path, unsplittable, "two");
            WriteFile(source.Path, Unicode, "three");
            File.CreateSymbolicLink(source.Combine("longlink"), new string('t', 150));

            // When
            var (_, blob) = await BuildAsync(Uncompressed, Token, new LayerSource(source.Path, "/app"));

            // Then
            var entries = ReadEntries(blob).ToDictionary(e => e.Name);
            Assert.Equal("one"u8.ToArray(), entries["app/" + splittable].Data);
            Assert.Equal("two"u8.ToArray(), entries["app/" + unsplittable].Data);
            Assert.Equal("three"u8.ToArray(), entries["app/" + Unicode].Data);
            Assert.Equal(new string('t', 150), entries["app/longlink"].LinkName);
            Assert.Empty(entries["app/" + splittable].PaxKeys);
            Assert.Contains("path", entries["app/" + unsplittable].PaxKeys);
        }

        [Fact]
        public async Task A_fifo_is_skipped_with_a_warning()
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteFile(source.Path, "kept.txt", "kept");
            await ExternalTool.RunCheckedAsync("mkfifo", [source.Combine("pipe")], cancellationToken: Token);
            var logger = new RecordingLogger<LayerBuilder>();

            // When
            using var blob = new MemoryStream();
            var layer = await new LayerBuilder(logger).WriteAsync([new LayerSource(source.Path, "/")], Uncompressed, blob, Token);

            // Then
            Assert.Equal(["kept.txt"], ReadEntries(blob.ToArray()).Select(e => e.Name));
            Assert.Equal(1, layer.EntryCount);
            var warning = Assert.Single(logger.Messages, m => m.Level == LogLevel.Warning);
            Assert.Contains("fifo", warning.Message, StringComparison.Ordinal);
            Assert.Contains(source.Combine("pipe"), warning.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Hidden_files_and_empty_folders_are_included()
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteFile(source.Path, ".config/settings", "x");
            Directory.CreateDirectory(source.Combine("empty"));

            // When
            var (_, blob) = await BuildAsync(Uncompressed, Token, new LayerSource(source.Path, "/"));

            // Then
            Assert.Equal([".config/", ".config/settings", "empty/"], ReadEntries(blob).Select(e => e.Name));
        }

        [Theory]
        [InlineData("/app/../etc")]
        [InlineData("..")]
        [InlineData("app/..")]
        public async Task A_path_in_the_image_with_dot_dot_is_refused(string pathInImage)
        {
            // Given
            using var source = new TemporaryDirectory();

            // When
            var error = await Assert.ThrowsAsync<ToolkitException>(
                () => BuildAsync(Uncompressed, Token, new LayerSource(source.Path, pathInImage)));

            // Then
            Assert.Equal(ErrorCodes.InvalidLayerPath.Code, error.Code);
        }

        [Theory]
        [InlineData("/app", "app/")]
        [InlineData("./app/", "app/")]
        [InlineData("//srv/./www", "srv/")]
        public async Task Paths_in_the_image_are_relative_without_a_leading_slash_or_dot(string pathInImage, string first)
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteFile(source.Path, "f", "f");

            // When
            var (_, blob) = await BuildAsync(Uncompressed, Token, new LayerSource(source.Path, pathInImage));

            // Then
            var names = ReadEntries(blob).Select(e => e.Name).ToArray();
            Assert.Equal(first, names[0]);
            Assert.All(names, n => Assert.False(n.StartsWith('/') || n.StartsWith("./", StringComparison.Ordinal) || n.Split('/').Contains("..")));
        }
    }

    public class Sources
    {
        [Fact]
        public async Task A_missing_folder_fails_with_TK2004_naming_the_folder()
        {
            // Given
            using var parent = new TemporaryDirectory();
            var missing = parent.Combine("bin", "publish");

            // When
            var error = await Assert.ThrowsAsync<ToolkitException>(
                () => BuildAsync(Uncompressed, Token, new LayerSource(missing, "/app")));

            // Then
            Assert.Equal("TK2004", error.Code);
            Assert.Contains(missing, error.Message, StringComparison.Ordinal);
            Assert.Contains("dotnet publish", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Several_sources_merge_and_a_later_source_wins_on_the_same_path()
        {
            // Given
            using var first = new TemporaryDirectory();
            using var second = new TemporaryDirectory();
            WriteFile(first.Path, "app.dll", "old");
            WriteFile(first.Path, "only-first.txt", "1");
            WriteFile(first.Path, "config/a.json", "{}");
            WriteFile(second.Path, "app.dll", "new");
            WriteFile(second.Path, "config", "now a file");

            // When
            var (layer, blob) = await BuildAsync(
                Uncompressed, Token, new LayerSource(first.Path, "/app"), new LayerSource(second.Path, "/app"));

            // Then
            var entries = ReadEntries(blob);
            Assert.Equal(["app/", "app/app.dll", "app/config", "app/only-first.txt"], entries.Select(e => e.Name));
            Assert.Equal("new"u8.ToArray(), entries[1].Data);
            Assert.Equal(TarEntryType.RegularFile, entries[2].Type);
            Assert.Equal(4, layer.EntryCount);
        }

        [Fact]
        public async Task An_unreadable_folder_fails_with_TK2017_unless_running_as_root()
        {
            // Given: root reads everything, so only a file that vanishes is unreadable here.
            using var source = new TemporaryDirectory();
            WriteFile(source.Path, "a.txt", "a");
            File.CreateSymbolicLink(source.Combine("b"), "a.txt");
            var unreadable = source.Combine("z-unreadable");
            Directory.CreateDirectory(unreadable);
            File.SetUnixFileMode(unreadable, UnixFileMode.None);
            var canDetect = Environment.UserName != "root";

            // When
            var build = BuildAsync(Uncompressed, Token, new LayerSource(source.Path, "/"));

            // Then
            if (canDetect)
            {
                var error = await Assert.ThrowsAsync<ToolkitException>(() => build);
                Assert.Equal(ErrorCodes.LayerSourceUnreadable.Code, error.Code);
            }
            else
            {
                await build;
            }

            File.SetUnixFileMode(unreadable, (UnixFileMode)0x1ED);
        }
    }

    public class Digests
    {
        [Theory]
        [InlineData(LayerCompression.Gzip, MediaTypes.OciLayerGzip)]
        [InlineData(LayerCompression.Zstd, MediaTypes.OciLayerZstd)]
        [InlineData(LayerCompression.None, MediaTypes.OciLayer)]
        public async Task The_diff_id_is_the_digest_of_the_tar_and_the_descriptor_describes_the_blob(LayerCompression compression, string mediaType)
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteMixedContent(source.Path, files: 8);
            var options = new LayerOptions { Compression = compression, Timestamp = Timestamp, CompressionBlockSize = 64 * 1024 };

            // When
            var (layer, blob) = await BuildAsync(options, Token, new LayerSource(source.Path, "/app"));

            // Then
            var tar = Decompress(blob, compression);
            Assert.Equal(mediaType, layer.Descriptor.MediaType);
            Assert.Equal(Digest.Compute(blob), layer.Descriptor.Digest);
            Assert.Equal(blob.Length, layer.Descriptor.Size);
            Assert.Equal(Digest.Compute(tar), layer.DiffId);
            Assert.Equal(tar.Length, layer.UncompressedSize);
            Assert.Equal(ReadEntries(tar).Count, layer.EntryCount);
            if (compression == LayerCompression.None)
            {
                Assert.Equal(layer.DiffId, layer.Descriptor.Digest);
            }
        }

        [Theory]
        [InlineData(LayerCompression.Gzip)]
        [InlineData(LayerCompression.Zstd)]
        public async Task The_blob_is_byte_identical_for_one_and_four_workers(LayerCompression compression)
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteMixedContent(source.Path);
            var options = new LayerOptions { Compression = compression, Timestamp = Timestamp, CompressionBlockSize = 64 * 1024 };

            // When
            var (one, oneBlob) = await BuildAsync(options with { MaxDegreeOfParallelism = 1 }, Token, new LayerSource(source.Path, "/app"));
            var (four, fourBlob) = await BuildAsync(options with { MaxDegreeOfParallelism = 4 }, Token, new LayerSource(source.Path, "/app"));

            // Then
            Assert.True(one.UncompressedSize > 20 * options.CompressionBlockSize, "the content spans many blocks");
            Assert.Equal(one, four);
            Assert.True(oneBlob.AsSpan().SequenceEqual(fourBlob));
        }

        [Fact]
        public async Task The_same_content_in_other_folders_with_other_times_and_owners_gives_the_same_blob()
        {
            // Given
            using var first = new TemporaryDirectory("first");
            using var second = new TemporaryDirectory("second-with-a-longer-name");
            WriteMixedContent(first.Path, files: 10);
            WriteMixedContent(second.Path, files: 10);
            foreach (var file in Directory.EnumerateFiles(second.Path, "*", SearchOption.AllDirectories))
            {
                File.SetLastWriteTimeUtc(file, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                if (Environment.UserName == "root")
                {
                    await ExternalTool.RunCheckedAsync("chown", ["12345:54321", file], cancellationToken: Token);
                }
            }

            var options = new LayerOptions { Timestamp = Timestamp };

            // When
            var (firstLayer, firstBlob) = await BuildAsync(options, Token, new LayerSource(first.Path, "/app"));
            var (secondLayer, secondBlob) = await BuildAsync(options, Token, new LayerSource(second.Path, "/app"));

            // Then
            Assert.Equal(firstLayer, secondLayer);
            Assert.True(firstBlob.AsSpan().SequenceEqual(secondBlob));
        }

        [Fact]
        public async Task The_gzip_header_carries_no_time_name_or_host()
        {
            // Given
            using var source = new TemporaryDirectory();
            WriteFile(source.Path, "a.txt", "a");

            // When
            var (_, blob) = await BuildAsync(new LayerOptions { Timestamp = Timestamp }, Token, new LayerSource(source.Path, "/"));

            // Then
            Assert.Equal(new byte[] { 0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF }, blob[..10]);
        }

        [Fact]
        public async Task A_file_larger_than_8_GiB_gets_a_pax_size_record()
        {
            // Given
            using var blob = new MemoryStream();
            using var codec = BlockCodec.For(LayerCompression.None, 0);
            var pipeline = new BlockCompressionPipeline(blob, codec, 64 * 1024, 1);
            var size = (9L << 30) + 5;

            // When
            await using (pipeline)
            {
                using var tar = new Toolkit.Core.Oci.Layers.TarWriter(pipeline, 0, 0, Timestamp);
                await tar.WriteFileHeaderAsync("big.bin", 0x1A4, size, Token);
                await pipeline.CompleteAsync(Token);
            }

            // Then
            var bytes = blob.ToArray();
            Assert.Equal((byte)'x', bytes[156]);
            var record = System.Text.Encoding.ASCII.GetString(bytes, 512, 512).TrimEnd('\0');
            Assert.Equal("19 size=9663676421\n", record);
            Assert.Equal((byte)'0', bytes[1024 + 156]);
            Assert.Equal("00000000000\0"u8.ToArray(), bytes[(1024 + 124)..(1024 + 136)]);
        }
    }

    public class ExternalReaders
    {
        [Fact]
        public async Task Gnu_tar_lists_the_entries_as_expected()
        {
            // Given
            using var source = new TemporaryDirectory();
            using var output = new TemporaryDirectory();
            WriteFile(source.Path, "bin/tool", "#!/bin/sh\n");
            File.SetUnixFileMode(source.Combine("bin", "tool"), (UnixFileMode)0x1C0);
            WriteFile(source.Path, new string('d', 90) + "/" + new string('f', 90), "long");
            File.CreateSymbolicLink(source.Combine("link"), "bin/tool");
            var (_, blob) = await BuildAsync(new LayerOptions { Timestamp = Timestamp, Uid = 1000, Gid = 1000 }, Token, new LayerSource(source.Path, "/app"));
            var path = await WriteTempFileAsync(output, "layer.tar.gz", blob);

            // When
            var listing = await ExternalTool.RunCheckedAsync(
                "tar", ["--numeric-owner", "--full-time", "--utc", "-tzvf", path], cancellationToken: Token);

            // Then
            var lines = listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
                .ToArray();
            Assert.Equal(
                [
                    "drwxr-xr-x 1000/1000 0 2023-11-14 22:13:20 app/",
                    "drwxr-xr-x 1000/1000 0 2023-11-14 22:13:20 app/bin/",
                    "-rwxr-xr-x 1000/1000 10 2023-11-14 22:13:20 app/bin/tool",
                    $"drwxr-xr-x 1000/1000 0 2023-11-14 22:13:20 app/{new string('d', 90)}/",
                    $"-rw-r--r-- 1000/1000 4 2023-11-14 22:13:20 app/{new string('d', 90)}/{new string('f', 90)}",
                    "lrwxrwxrwx 1000/1000 0 2023-11-14 22:13:20 app/link -> bin/tool",
                ],
                lines);
        }

        [Fact]
        public async Task Gzip_accepts_the_blob_and_decompresses_it_to_the_diff_id()
        {
            // Given
            using var source = new TemporaryDirectory();
            using var output = new TemporaryDirectory();
            WriteMixedContent(source.Path, files: 12);
            var (layer, blob) = await BuildAsync(
                new LayerOptions { Timestamp = Timestamp, CompressionBlockSize = 64 * 1024, MaxDegreeOfParallelism = 3 },
                Token, new LayerSource(source.Path, "/app"));
            var path = await WriteTempFileAsync(output, "layer.tar.gz", blob);

            // When
            var test = await ExternalTool.RunAsync("gzip", ["-t", path], cancellationToken: Token);
            var decompressed = await ExternalTool.RunCheckedAsync("gzip", ["-dc", path], cancellationToken: Token);

            // Then
            Assert.Equal(0, test.ExitCode);
            Assert.Equal(string.Empty, test.StandardError);
            Assert.Equal(layer.DiffId, Digest.FromHash(Digest.Sha256, SHA256.HashData(decompressed.StandardOutputBytes)));
        }

        [Fact]
        public async Task Gnu_tar_extracts_the_same_content()
        {
            // Given
            using var source = new TemporaryDirectory();
            using var output = new TemporaryDirectory();
            WriteMixedContent(source.Path, files: 6);
            var (_, blob) = await BuildAsync(new LayerOptions { Timestamp = Timestamp }, Token, new LayerSource(source.Path, "/"));
            var path = await WriteTempFileAsync(output, "layer.tar.gz", blob);
            Directory.CreateDirectory(output.Combine("x"));

            // When
            await ExternalTool.RunCheckedAsync("tar", ["-xzf", path, "-C", output.Combine("x")], cancellationToken: Token);

            // Then
            foreach (var file in Directory.EnumerateFiles(source.Path, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(source.Path, file);
                Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(output.Combine("x", relative)));
            }
        }

        [Fact]
        public async Task Zstd_accepts_the_blob_and_decompresses_it_to_the_diff_id()
        {
            // Given
            using var source = new TemporaryDirectory();
            using var output = new TemporaryDirectory();
            WriteMixedContent(source.Path, files: 12);
            var (layer, blob) = await BuildAsync(
                new LayerOptions { Compression = LayerCompression.Zstd, Timestamp = Timestamp, CompressionBlockSize = 64 * 1024 },
                Token, new LayerSource(source.Path, "/app"));
            var path = await WriteTempFileAsync(output, "layer.tar.zst", blob);

            // When
            var test = await ExternalTool.RunAsync("zstd", ["-t", "-q", path], cancellationToken: Token);
            var decompressed = await ExternalTool.RunCheckedAsync("zstd", ["-dc", "-q", path], cancellationToken: Token);

            // Then
            Assert.Equal(0, test.ExitCode);
            Assert.Equal(layer.DiffId, Digest.FromHash(Digest.Sha256, SHA256.HashData(decompressed.StandardOutputBytes)));
        }

        [Fact]
        public async Task Umoci_unpacks_an_image_made_of_the_layer()
        {
            // Given: an OCI layout with one gzip layer (umoci reads tar with Go's archive/tar and checks the diff_id).
            using var source = new TemporaryDirectory();
            using var work = new TemporaryDirectory();
            WriteFile(source.Path, "bin/tool", "#!/bin/sh\n");
            File.SetUnixFileMode(source.Combine("bin", "tool"), (UnixFileMode)0x1C0);
            var longName = new string('d', 120) + "/" + new string('f', 120);
            WriteFile(source.Path, longName, "long");
            File.CreateSymbolicLink(source.Combine("link"), "bin/tool");
            var (layer, blob) = await BuildAsync(new LayerOptions { Timestamp = Timestamp }, Token, new LayerSource(source.Path, "/app"));
            var layout = work.Combine("layout");
            var blobs = Path.Combine(layout, "blobs", "sha256");
            Directory.CreateDirectory(blobs);
            async Task<Descriptor> PutAsync(string mediaType, byte[] content)
            {
                var descriptor = Descriptor.For(mediaType, content);
                await File.WriteAllBytesAsync(Path.Combine(blobs, descriptor.Digest.Encoded), content);
                return descriptor;
            }

            await PutAsync(layer.Descriptor.MediaType, blob);
            // Written by hand: OciJson.Serialize(ImageConfig) currently throws (extension data on ContainerConfig).
            var configJson = $"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{layer.DiffId}\"]}}}}";
            var config = await PutAsync(MediaTypes.OciConfig, System.Text.Encoding.UTF8.GetBytes(configJson));
            var manifest = await PutAsync(MediaTypes.OciManifest, OciJson.Serialize(new ImageManifest { Config = config, Layers = [layer.Descriptor] }));
            var index = new ImageIndex
            {
                Manifests = [manifest with { Annotations = new SortedDictionary<string, string> { [AnnotationKeys.RefName] = "test" } }],
            };
            await File.WriteAllBytesAsync(Path.Combine(layout, "index.json"), OciJson.Serialize(index));
            await File.WriteAllTextAsync(Path.Combine(layout, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");

            // When
            await ExternalTool.RunCheckedAsync(
                "umoci", ["unpack", "--rootless", "--image", layout + ":test", work.Combine("bundle")], cancellationToken: Token);

            // Then
            var rootfs = work.Combine("bundle", "rootfs", "app");
            Assert.Equal("long", File.ReadAllText(Path.Combine(rootfs, longName)));
            Assert.Equal("bin/tool", new FileInfo(Path.Combine(rootfs, "link")).LinkTarget);
            Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(rootfs, "bin", "tool")));
        }
    }
}
