using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Tests.Storage;

public class ImageLocationTests
{
    [Theory]
    [InlineData("oci:/tmp/layout", "/tmp/layout", null)]
    [InlineData("oci:/tmp/layout:v1", "/tmp/layout", "v1")]
    [InlineData("oci:out:sha256:abc", "out", "sha256:abc")]
    public void An_oci_location_splits_at_the_first_colon_after_the_prefix(string text, string path, string? reference)
    {
        // When
        var location = ImageLocation.Parse(text);

        // Then
        var oci = Assert.IsType<OciLayoutLocation>(location);
        Assert.Equal(path, oci.Path);
        Assert.Equal(reference, oci.Reference);
    }

    [Fact]
    public void A_docker_archive_location_keeps_a_repo_and_tag_reference_whole()
    {
        // When
        var location = ImageLocation.Parse("docker-archive:/tmp/app.tar:myapp:1.0");

        // Then
        Assert.Equal(new DockerArchiveLocation("/tmp/app.tar", "myapp:1.0"), location);
    }

    [Fact]
    public void An_oci_archive_location_parses()
    {
        Assert.Equal(new OciArchiveLocation("img.tar", "latest"), ImageLocation.Parse("oci-archive:img.tar:latest"));
        Assert.Equal(new OciArchiveLocation("img.tar"), ImageLocation.Parse("oci-archive:img.tar"));
    }

    [Fact]
    public void Scratch_is_its_own_location()
    {
        Assert.Same(ScratchLocation.Instance, ImageLocation.Parse("scratch"));
    }

    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0")]
    [InlineData("ubuntu")]
    [InlineData("ubuntu:24.04")]
    [InlineData("localhost:5000/app:1")]
    [InlineData("127.0.0.1:5000/base@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public void Anything_else_is_a_registry_reference(string text)
    {
        // When
        var location = ImageLocation.Parse(text);

        // Then
        Assert.Equal(new RegistryLocation(ImageReference.Parse(text)), location);
    }

    [Theory]
    [InlineData("Example/App:1")]
    [InlineData("example.com/app:-bad")]
    [InlineData("example.com/app@sha256:1234")]
    public void A_malformed_registry_reference_fails_with_the_reference_code(string text)
    {
        var error = Assert.Throws<ToolkitException>(() => ImageLocation.Parse(text));

        Assert.Equal(ErrorCodes.InvalidReference.Code, error.Code);
    }

    [Fact]
    public void A_docker_transport_prefix_is_accepted_for_a_registry()
    {
        Assert.Equal(new RegistryLocation(ImageReference.Parse("example.com/app:1")), ImageLocation.Parse("docker://example.com/app:1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("oci:")]
    [InlineData("oci::tag")]
    [InlineData("oci:dir:")]
    [InlineData("oci-archive:")]
    [InlineData("docker-archive:")]
    [InlineData("foo:/some/path")]
    [InlineData("dir:/tmp/x")]
    [InlineData("containers-storage:app")]
    [InlineData("http://example.com/app")]
    public void Bad_locations_fail_with_a_code_and_the_accepted_forms(string text)
    {
        // When
        var error = Assert.Throws<ToolkitException>(() => ImageLocation.Parse(text));

        // Then
        Assert.Equal(ErrorCodes.InvalidLocation.Code, error.Code);
        Assert.Contains("oci:<dir>", error.Message, StringComparison.Ordinal);
        Assert.Contains("docker-archive:<file>", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("oci:/tmp/layout")]
    [InlineData("oci:/tmp/layout:v1")]
    [InlineData("oci-archive:a.tar:x")]
    [InlineData("docker-archive:a.tar:app:1")]
    [InlineData("docker-archive:a.tar")]
    [InlineData("scratch")]
    [InlineData("registry.example.com/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public void ToString_round_trips(string text)
    {
        // Given
        var location = ImageLocation.Parse(text);

        // When
        var again = ImageLocation.Parse(location.ToString());

        // Then
        Assert.Equal(text, location.ToString());
        Assert.Equal(location, again);
    }
}
