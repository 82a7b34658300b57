using System.Text;
using System.Text.Json;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Oci;

public sealed class ImageFormatConverterTests
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>The same JSON with spaces and newlines, as registries often serve manifests.</summary>
    private static byte[] Loose(byte[] canonical)
        => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(JsonDocument.Parse(canonical).RootElement, s_indented));

    private static Digest DigestOf(string text) => OciDocuments.DigestOf(text);

    private static (Descriptor Descriptor, byte[] Content) Document(ImageManifest manifest)
    {
        var bytes = OciJson.Serialize(manifest);
        return (Descriptor.For(manifest.MediaType!, bytes), bytes);
    }

    private static (Descriptor Descriptor, byte[] Content) Document(ImageIndex index)
    {
        var bytes = OciJson.Serialize(index);
        return (Descriptor.For(index.MediaType!, bytes), bytes);
    }

    private static ImageManifest OciManifest(params Descriptor[] layers) => new()
    {
        MediaType = MediaTypes.OciManifest,
        Config = new Descriptor(MediaTypes.OciConfig, DigestOf("config"), 1_035),
        Layers = layers.Length > 0 ? layers : [new Descriptor(MediaTypes.OciLayerGzip, DigestOf("base"), 3_374_446), new Descriptor(MediaTypes.OciLayer, DigestOf("app"), 20_480)],
    };

    private static ImageManifest DockerManifest() => new()
    {
        MediaType = MediaTypes.DockerManifest,
        Config = new Descriptor(MediaTypes.DockerConfig, DigestOf("config"), 1_035),
        Layers = [new Descriptor(MediaTypes.DockerLayerGzip, DigestOf("base"), 3_374_446), new Descriptor(MediaTypes.DockerLayerTar, DigestOf("app"), 20_480)],
    };

    /// <summary>
    /// Docker schema 2 has no official JSON schema here, so the shape of a converted document is checked field by field
    /// against the distribution spec (manifest-v2-2.md): exactly these fields, no others.
    /// </summary>
    private static void AssertDockerManifestShape(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(["schemaVersion", "mediaType", "config", "layers"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(MediaTypes.DockerManifest, root.GetProperty("mediaType").GetString());
        AssertDockerDescriptor(root.GetProperty("config"), allowUrls: false);
        Assert.Equal(MediaTypes.DockerConfig, root.GetProperty("config").GetProperty("mediaType").GetString());
        foreach (var layer in root.GetProperty("layers").EnumerateArray())
        {
            AssertDockerDescriptor(layer, allowUrls: true);
            Assert.StartsWith("application/vnd.docker.image.rootfs.", layer.GetProperty("mediaType").GetString(), StringComparison.Ordinal);
        }
    }

    private static void AssertDockerManifestListShape(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(["schemaVersion", "mediaType", "manifests"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(MediaTypes.DockerManifestList, root.GetProperty("mediaType").GetString());
        foreach (var entry in root.GetProperty("manifests").EnumerateArray())
        {
            Assert.Subset(new HashSet<string>(["mediaType", "size", "digest", "urls", "platform"]), entry.EnumerateObject().Select(p => p.Name).ToHashSet());
            Assert.Equal(MediaTypes.DockerManifest, entry.GetProperty("mediaType").GetString());
            Assert.True(entry.GetProperty("size").GetInt64() > 0);
            Assert.True(Digest.TryParse(entry.GetProperty("digest").GetString(), out _));
            var platform = entry.GetProperty("platform");
            Assert.Subset(new HashSet<string>(["architecture", "os", "os.version", "os.features", "variant", "features"]), platform.EnumerateObject().Select(p => p.Name).ToHashSet());
            Assert.False(string.IsNullOrEmpty(platform.GetProperty("architecture").GetString()));
            Assert.False(string.IsNullOrEmpty(platform.GetProperty("os").GetString()));
        }
    }

    private static void AssertDockerDescriptor(JsonElement descriptor, bool allowUrls)
    {
        var names = descriptor.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Subset(new HashSet<string>(allowUrls ? ["mediaType", "size", "digest", "urls"] : ["mediaType", "size", "digest"]), names.ToHashSet());
        Assert.Contains("mediaType", names);
        Assert.Contains("size", names);
        Assert.Contains("digest", names);
        Assert.True(descriptor.GetProperty("size").GetInt64() >= 0);
        Assert.True(Digest.TryParse(descriptor.GetProperty("digest").GetString(), out _));
    }

    public sealed class ConvertManifest
    {
        [Fact]
        public void An_OCI_manifest_becomes_a_Docker_schema_2_manifest_naming_the_same_blobs()
        {
            // Given
            var (descriptor, content) = Document(OciManifest());

            // When
            var converted = ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker);

            // Then
            AssertDockerManifestShape(converted.Content);
            var manifest = OciJson.ParseManifest(converted.Content);
            Assert.Equal(MediaTypes.DockerManifest, converted.Descriptor.MediaType);
            Assert.Equal(Digest.Compute(converted.Content), converted.Descriptor.Digest);
            Assert.Equal(converted.Content.Length, converted.Descriptor.Size);
            Assert.Equal(new Descriptor(MediaTypes.DockerConfig, DigestOf("config"), 1_035), manifest.Config);
            Assert.Equal([MediaTypes.DockerLayerGzip, MediaTypes.DockerLayerTar], manifest.Layers.Select(l => l.MediaType));
            Assert.Equal([DigestOf("base"), DigestOf("app")], manifest.Layers.Select(l => l.Digest));
            Assert.Equal([3_374_446L, 20_480L], manifest.Layers.Select(l => l.Size));
            Assert.Empty(converted.LeftOut);
        }

        [Fact]
        public void A_Docker_manifest_becomes_an_OCI_manifest_that_the_OCI_schema_accepts()
        {
            // Given
            var (descriptor, content) = Document(DockerManifest());

            // When
            var converted = ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Oci);

            // Then
            OciSchemas.AssertValidManifest(converted.Content);
            var manifest = OciJson.ParseManifest(converted.Content);
            Assert.Equal(MediaTypes.OciManifest, converted.Descriptor.MediaType);
            Assert.Equal(MediaTypes.OciManifest, manifest.MediaType);
            Assert.Equal(MediaTypes.OciConfig, manifest.Config.MediaType);
            Assert.Equal([MediaTypes.OciLayerGzip, MediaTypes.OciLayer], manifest.Layers.Select(l => l.MediaType));
            Assert.Equal([DigestOf("base"), DigestOf("app")], manifest.Layers.Select(l => l.Digest));
        }

        [Theory]
        [InlineData(MediaTypes.OciLayer, MediaTypes.DockerLayerTar)]
        [InlineData(MediaTypes.OciLayerGzip, MediaTypes.DockerLayerGzip)]
        [InlineData(MediaTypes.OciLayerNondistributable, MediaTypes.DockerLayerForeignTar)]
        [InlineData(MediaTypes.OciLayerNondistributableGzip, MediaTypes.DockerLayerForeignGzip)]
        public void Each_layer_type_maps_to_its_counterpart_and_back(string oci, string docker)
        {
            // Given
            var layer = new Descriptor(oci, DigestOf("layer"), 10) { Urls = oci.Contains("nondistributable", StringComparison.Ordinal) ? ["https://example.com/layer"] : null };
            var (descriptor, content) = Document(OciManifest(layer));

            // When
            var toDocker = ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker);
            var back = ImageFormatConverter.ConvertManifest(toDocker.Descriptor, toDocker.Content, ImageFormat.Oci);

            // Then
            Assert.Equal(docker, OciJson.ParseManifest(toDocker.Content).Layers[0].MediaType);
            Assert.Equal(layer.Urls, OciJson.ParseManifest(toDocker.Content).Layers[0].Urls);
            Assert.Equal(content, back.Content);
        }

        [Fact]
        public void A_round_trip_OCI_to_Docker_to_OCI_gives_back_the_original_bytes_and_digest()
        {
            // Given
            var (descriptor, content) = Document(OciManifest());

            // When
            var docker = ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker);
            var oci = ImageFormatConverter.ConvertManifest(docker.Descriptor, docker.Content, ImageFormat.Oci);

            // Then
            Assert.NotEqual(descriptor.Digest, docker.Descriptor.Digest);
            Assert.Equal(content, oci.Content);
            Assert.Equal(descriptor, oci.Descriptor);
        }

        [Fact]
        public void A_round_trip_Docker_to_OCI_to_Docker_gives_back_a_canonical_Docker_manifest()
        {
            // Given
            var (descriptor, content) = Document(DockerManifest());

            // When
            var oci = ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Oci);
            var docker = ImageFormatConverter.ConvertManifest(oci.Descriptor, oci.Content, ImageFormat.Docker);

            // Then
            Assert.Equal(content, docker.Content);
            Assert.Equal(descriptor, docker.Descriptor);
        }

        [Theory]
        [InlineData(ImageFormat.Oci)]
        [InlineData(ImageFormat.Docker)]
        public void A_manifest_already_in_the_target_format_keeps_its_bytes(ImageFormat format)
        {
            // Given: written with spaces and newlines, as registries often serve them
            var manifest = format == ImageFormat.Oci ? OciManifest() : DockerManifest();
            var loose = Loose(OciJson.Serialize(manifest));
            var descriptor = Descriptor.For(manifest.MediaType!, loose) with { Platform = Platform.LinuxAmd64 };

            // When
            var converted = ImageFormatConverter.ConvertManifest(descriptor, loose, format);

            // Then
            Assert.Same(loose, converted.Content);
            Assert.Equal(descriptor, converted.Descriptor);
        }

        [Fact]
        public void The_output_is_canonical_and_the_same_every_time()
        {
            // Given: the same manifest, written loosely
            var canonical = OciJson.Serialize(DockerManifest());
            var loose = Loose(canonical);

            // When
            var first = ImageFormatConverter.ConvertManifest(Descriptor.For(MediaTypes.DockerManifest, loose), loose, ImageFormat.Oci);
            var second = ImageFormatConverter.ConvertManifest(Descriptor.For(MediaTypes.DockerManifest, canonical), canonical, ImageFormat.Oci);

            // Then
            Assert.Equal(first.Content, second.Content);
            Assert.Equal(OciJson.Serialize(OciJson.ParseManifest(first.Content)), first.Content);
        }

        [Theory]
        [InlineData(MediaTypes.OciLayerZstd)]
        [InlineData(MediaTypes.OciLayerNondistributableZstd)]
        public void Zstd_layers_are_refused_with_TK2100_suggesting_gzip(string zstd)
        {
            // Given
            var (descriptor, content) = Document(OciManifest(new Descriptor(MediaTypes.OciLayerGzip, DigestOf("base"), 1), new Descriptor(zstd, DigestOf("app"), 2)));

            // When
            var error = Assert.Throws<ToolkitException>(() => ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker));

            // Then
            Assert.Equal("TK2100", error.Code);
            Assert.Contains(DigestOf("app").ToString(), error.Message, StringComparison.Ordinal);
            Assert.Contains("--compression gzip", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Annotations_are_left_out_and_reported()
        {
            // Given
            var manifest = OciManifest(new Descriptor(MediaTypes.OciLayerGzip, DigestOf("base"), 1) { Annotations = new() { [AnnotationKeys.Title] = "base.tar.gz" } }) with
            {
                Annotations = new() { [AnnotationKeys.Created] = "2024-01-02T03:04:05Z", [AnnotationKeys.BaseName] = "scratch" },
            };
            var (descriptor, content) = Document(manifest);

            // When
            var converted = ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker);

            // Then
            AssertDockerManifestShape(converted.Content);
            Assert.Equal(2, converted.LeftOut.Count);
            Assert.Contains($"{AnnotationKeys.BaseName}, {AnnotationKeys.Created}", converted.LeftOut[0], StringComparison.Ordinal);
            Assert.Contains("annotations of its config and layer descriptors", converted.LeftOut[1], StringComparison.Ordinal);
        }

        [Fact]
        public void An_artifact_is_refused_with_TK2101()
        {
            var (descriptor, content) = Document(OciManifest() with { ArtifactType = "application/vnd.example.sbom" });

            var error = Assert.Throws<ToolkitException>(() => ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker));

            Assert.Equal("TK2101", error.Code);
            Assert.Contains("application/vnd.example.sbom", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_referrer_with_a_subject_is_refused_with_TK2101_rather_than_detached()
        {
            var subject = new Descriptor(MediaTypes.OciManifest, DigestOf("subject"), 481);
            var (descriptor, content) = Document(OciManifest() with { Subject = subject });

            var error = Assert.Throws<ToolkitException>(() => ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker));

            Assert.Equal("TK2101", error.Code);
            Assert.Contains(subject.Digest.ToString(), error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_manifest_whose_config_is_not_an_image_config_is_refused_with_TK2101()
        {
            var (descriptor, content) = Document(OciManifest() with { Config = new Descriptor(MediaTypes.OciEmpty, DigestOf("{}"), 2) });

            var error = Assert.Throws<ToolkitException>(() => ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker));

            Assert.Equal("TK2101", error.Code);
        }

        [Fact]
        public void A_layer_that_is_not_a_tar_layer_is_refused_with_TK2101()
        {
            var (descriptor, content) = Document(OciManifest(new Descriptor("application/vnd.in-toto+json", DigestOf("statement"), 10)));

            var error = Assert.Throws<ToolkitException>(() => ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker));

            Assert.Equal("TK2101", error.Code);
            Assert.Contains("application/vnd.in-toto+json", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void An_index_given_as_a_manifest_is_refused_with_TK2013()
        {
            var (descriptor, content) = Document(new ImageIndex());

            var error = Assert.Throws<ToolkitException>(() => ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker));

            Assert.Equal("TK2013", error.Code);
        }
    }

    public sealed class ConvertIndex
    {
        private static readonly Platform s_windows = new("windows", "amd64") { OsVersion = "10.0.20348.2227", OsFeatures = ["win32k"] };

        /// <summary>An OCI index of three platform manifests, their converted Docker descriptors, and the index.</summary>
        private static (Descriptor Descriptor, byte[] Content, Dictionary<Digest, Descriptor> Children) OciIndex(Func<Descriptor, Descriptor>? edit = null, ImageIndex? template = null)
        {
            var platforms = new[] { Platform.LinuxAmd64, Platform.LinuxArm64, s_windows };
            var entries = new List<Descriptor>();
            var children = new Dictionary<Digest, Descriptor>();
            foreach (var platform in platforms)
            {
                var (descriptor, content) = Document(OciManifest(new Descriptor(MediaTypes.OciLayerGzip, DigestOf(platform.ToString()), 100)));
                var entry = (descriptor with { Platform = platform, Annotations = new() { [AnnotationKeys.RefName] = "1.0" } });
                entries.Add(edit is null ? entry : edit(entry));
                children[descriptor.Digest] = ImageFormatConverter.ConvertManifest(descriptor, content, ImageFormat.Docker).Descriptor;
            }

            var (index, bytes) = Document((template ?? new ImageIndex()) with { MediaType = MediaTypes.OciIndex, Manifests = entries });
            return (index, bytes, children);
        }

        [Fact]
        public void An_OCI_index_becomes_a_manifest_list_naming_the_converted_manifests_with_their_platforms()
        {
            // Given
            var (descriptor, content, children) = OciIndex(template: new ImageIndex { Annotations = new() { [AnnotationKeys.Version] = "1.0.0" } });

            // When
            var converted = ImageFormatConverter.ConvertIndex(descriptor, content, ImageFormat.Docker, children);

            // Then
            AssertDockerManifestListShape(converted.Content);
            var list = OciJson.ParseIndex(converted.Content);
            var original = OciJson.ParseIndex(content);
            Assert.Equal(MediaTypes.DockerManifestList, converted.Descriptor.MediaType);
            Assert.Equal(original.Manifests.Select(m => children[m.Digest].Digest), list.Manifests.Select(m => m.Digest));
            Assert.Equal(original.Manifests.Select(m => children[m.Digest].Size), list.Manifests.Select(m => m.Size));
            Assert.Equal([Platform.LinuxAmd64, Platform.LinuxArm64, s_windows], list.Manifests.Select(m => m.Platform));
            Assert.All(list.Manifests, m => Assert.Null(m.Annotations));
            Assert.Contains(converted.LeftOut, l => l.Contains(AnnotationKeys.Version, StringComparison.Ordinal));
            Assert.Equal(3, converted.LeftOut.Count(l => l.Contains("annotations of its entry", StringComparison.Ordinal)));
        }

        [Fact]
        public void A_manifest_list_becomes_an_OCI_index_that_the_OCI_schema_accepts_and_converts_back_to_the_same_bytes()
        {
            // Given: a Docker manifest list (an OCI index converted once, without annotations)
            var (ociDescriptor, ociContent, toDocker) = OciIndex(edit: e => e with { Annotations = null });
            var list = ImageFormatConverter.ConvertIndex(ociDescriptor, ociContent, ImageFormat.Docker, toDocker);
            var toOci = toDocker.ToDictionary(p => p.Value.Digest, p => OciJson.ParseIndex(ociContent).Manifests.Single(m => m.Digest == p.Key));

            // When
            var oci = ImageFormatConverter.ConvertIndex(list.Descriptor, list.Content, ImageFormat.Oci, toOci);

            // Then
            OciSchemas.AssertValidIndex(oci.Content);
            Assert.Equal(ociContent, oci.Content);
            Assert.Equal(ociDescriptor, oci.Descriptor);
            Assert.Empty(oci.LeftOut);
        }

        [Fact]
        public void An_index_in_the_target_format_whose_children_did_not_change_keeps_its_bytes()
        {
            // Given
            var (descriptor, content, _) = OciIndex();
            var unchanged = OciJson.ParseIndex(content).Manifests.ToDictionary(m => m.Digest, m => m);

            // When
            var converted = ImageFormatConverter.ConvertIndex(descriptor, content, ImageFormat.Oci, unchanged);

            // Then
            Assert.Same(content, converted.Content);
            Assert.Equal(descriptor, converted.Descriptor);
        }

        [Fact]
        public void An_OCI_index_whose_children_were_Docker_manifests_is_rewritten_to_name_their_OCI_versions()
        {
            // Given: an OCI index of Docker manifests (as some tools write), converted to OCI
            var (manifest, manifestContent) = Document(DockerManifest());
            var (descriptor, content) = Document(new ImageIndex { Manifests = [manifest with { Platform = Platform.LinuxAmd64 }], Annotations = new() { ["keep"] = "me" } });
            var oci = ImageFormatConverter.ConvertManifest(manifest, manifestContent, ImageFormat.Oci);

            // When
            var converted = ImageFormatConverter.ConvertIndex(descriptor, content, ImageFormat.Oci, new Dictionary<Digest, Descriptor> { [manifest.Digest] = oci.Descriptor });

            // Then
            OciSchemas.AssertValidIndex(converted.Content);
            var index = OciJson.ParseIndex(converted.Content);
            Assert.Equal(oci.Descriptor.Digest, Assert.Single(index.Manifests).Digest);
            Assert.Equal(MediaTypes.OciManifest, index.Manifests[0].MediaType);
            Assert.Equal("me", index.Annotations!["keep"]);
        }

        [Fact]
        public void An_entry_without_a_platform_is_refused_with_TK2102()
        {
            // Given
            var (descriptor, content, children) = OciIndex(edit: e => e.Platform!.Os == "windows" ? e with { Platform = null } : e);

            // When
            var error = Assert.Throws<ToolkitException>(() => ImageFormatConverter.ConvertIndex(descriptor, content, ImageFormat.Docker, children));

            // Then
            Assert.Equal("TK2102", error.Code);
            Assert.Contains("needs one", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_nested_index_is_refused_with_TK2101()
        {
            // Given
            var (inner, innerContent, innerChildren) = OciIndex();
            var (outer, outerContent) = Document(new ImageIndex { Manifests = [inner with { Platform = Platform.LinuxAmd64 }] });
            var convertedInner = ImageFormatConverter.ConvertIndex(inner, innerContent, ImageFormat.Docker, innerChildren);

            // When
            var error = Assert.Throws<ToolkitException>(() => ImageFormatConverter.ConvertIndex(
                outer, outerContent, ImageFormat.Docker, new Dictionary<Digest, Descriptor> { [inner.Digest] = convertedInner.Descriptor }));

            // Then
            Assert.Equal("TK2101", error.Code);
        }

        [Fact]
        public void An_index_with_a_subject_is_refused_with_TK2101()
        {
            var (descriptor, content, children) = OciIndex(template: new ImageIndex { Subject = new Descriptor(MediaTypes.OciManifest, DigestOf("subject"), 1) });

            var error = Assert.Throws<ToolkitException>(() => ImageFormatConverter.ConvertIndex(descriptor, content, ImageFormat.Docker, children));

            Assert.Equal("TK2101", error.Code);
        }

        [Fact]
        public void Attestation_manifests_are_left_out_of_a_manifest_list_and_reported()
        {
            // Given: BuildKit's attestation entry next to the images
            var attestation = new Descriptor(MediaTypes.OciManifest, DigestOf("attestation"), 800)
            {
                Platform = new Platform("unknown", "unknown"),
                Annotations = new() { [ImageFormatConverter.DockerReferenceType] = ImageFormatConverter.AttestationManifest, ["vnd.docker.reference.digest"] = "sha256:..." },
            };
            var (descriptor, content, children) = OciIndex();
            var index = OciJson.ParseIndex(content);
            var (withAttestation, withAttestationContent) = Document(index with { Manifests = [.. index.Manifests, attestation] });

            // When
            var converted = ImageFormatConverter.ConvertIndex(withAttestation, withAttestationContent, ImageFormat.Docker, children);

            // Then
            Assert.True(ImageFormatConverter.IsLeftOut(attestation, ImageFormat.Docker));
            Assert.False(ImageFormatConverter.IsLeftOut(attestation, ImageFormat.Oci));
            Assert.Equal(3, OciJson.ParseIndex(converted.Content).Manifests.Count);
            Assert.Contains(converted.LeftOut, l => l.Contains(attestation.Digest.ToString(), StringComparison.Ordinal));
            Assert.Equal(ImageFormatConverter.ConvertIndex(descriptor, content, ImageFormat.Docker, children).Content, converted.Content);
        }
    }

    public sealed class Formats
    {
        [Theory]
        [InlineData("oci", ImageFormat.Oci)]
        [InlineData("OCI", ImageFormat.Oci)]
        [InlineData("docker", ImageFormat.Docker)]
        [InlineData(" Docker ", ImageFormat.Docker)]
        public void Names_parse_in_any_case(string text, ImageFormat expected)
            => Assert.Equal(expected, ImageFormats.Parse(text));

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("  ")]
        public void Nothing_means_keep_the_source_format(string? text)
            => Assert.Null(ImageFormats.Parse(text));

        [Fact]
        public void An_unknown_name_is_TK2019_naming_the_option()
        {
            var error = Assert.Throws<ToolkitException>(() => ImageFormats.Parse("v2s2", "ToolkitPushFormat"));

            Assert.Equal("TK2019", error.Code);
            Assert.Contains("ToolkitPushFormat 'v2s2'", error.Message, StringComparison.Ordinal);
        }
    }
}
