using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Storage;

public class ContentStoreTests
{
    [Fact]
    public async Task Written_content_lands_under_blobs_algorithm_hex_and_reads_back()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var store = new ContentStore(dir.Path);
        var content = Encoding.UTF8.GetBytes("some layer bytes");
        var descriptor = Descriptor.For(MediaTypes.OciLayer, content);

        // When
        await store.WriteAsync(descriptor, new MemoryStream(content), CancellationToken.None);

        // Then
        Assert.True(File.Exists(Path.Combine(dir.Path, "blobs", "sha256", descriptor.Digest.Encoded)));
        Assert.True(await store.ContainsAsync(descriptor, CancellationToken.None));
        Assert.Equal(content, await store.ReadAllBytesAsync(descriptor, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "blobs", "sha256"), ".tmp-*"));
    }

    [Fact]
    public async Task Content_that_does_not_match_its_digest_is_refused_and_leaves_nothing()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var store = new ContentStore(dir.Path);
        var descriptor = Descriptor.For(MediaTypes.OciLayer, "expected"u8);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(
            () => store.WriteAsync(descriptor, new MemoryStream("tampered"u8.ToArray()), CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch.Code, error.Code);
        Assert.False(await store.ContainsAsync(descriptor, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "blobs", "sha256")));
    }

    [Fact]
    public async Task Content_longer_than_its_descriptor_is_refused()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var store = new ContentStore(dir.Path);
        var descriptor = Descriptor.For(MediaTypes.OciLayer, "abc"u8);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(
            () => store.WriteAsync(descriptor, new MemoryStream("abcdef"u8.ToArray()), CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch.Code, error.Code);
    }

    [Fact]
    public async Task Content_of_unknown_digest_is_stored_under_the_computed_digest()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var store = new ContentStore(dir.Path);
        var content = new byte[300_000];
        new Random(7).NextBytes(content);

        // When
        var descriptor = await store.WriteAsync(MediaTypes.OciLayer, new MemoryStream(content), CancellationToken.None);

        // Then
        Assert.Equal(Descriptor.For(MediaTypes.OciLayer, content), descriptor);
        Assert.Equal(content, File.ReadAllBytes(store.GetBlobPath(descriptor.Digest)));
    }

    [Fact]
    public async Task A_blob_already_stored_is_not_rewritten()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var store = new ContentStore(dir.Path);
        var descriptor = Descriptor.For(MediaTypes.OciLayer, "same"u8);
        await store.WriteAsync(descriptor, "same"u8.ToArray(), CancellationToken.None);
        var before = File.GetLastWriteTimeUtc(store.GetBlobPath(descriptor.Digest));

        // When
        await store.WriteAsync(descriptor, new ThrowingStream(), CancellationToken.None);

        // Then
        Assert.Equal(before, File.GetLastWriteTimeUtc(store.GetBlobPath(descriptor.Digest)));
    }

    [Fact]
    public async Task A_blob_corrupted_on_disk_fails_reading_with_digest_mismatch()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var store = new ContentStore(dir.Path);
        var descriptor = Descriptor.For(MediaTypes.OciLayer, "original"u8);
        await store.WriteAsync(descriptor, "original"u8.ToArray(), CancellationToken.None);
        File.WriteAllText(store.GetBlobPath(descriptor.Digest), "0riginal");

        // When
        await using var stream = await store.OpenReadAsync(descriptor, CancellationToken.None);
        var error = await Assert.ThrowsAsync<ToolkitException>(() => stream.CopyToAsync(Stream.Null));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch.Code, error.Code);
    }

    [Fact]
    public async Task A_missing_blob_fails_with_a_code()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var store = new ContentStore(dir.Path);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(
            () => store.OpenReadAsync(Descriptor.For(MediaTypes.OciLayer, "x"u8), CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.BlobNotFound.Code, error.Code);
        Assert.Null(await store.GetSizeAsync(Digest.Compute("x"u8), CancellationToken.None));
    }

    private sealed class ThrowingStream : MemoryStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("must not be read");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw new InvalidOperationException("must not be read");
    }
}
