using System.Reflection;
using Cake.Core;
using Cake.Core.Annotations;
using Toolkit.Core.Diagnostics;
using Toolkit.Testing;

namespace Toolkit.Cake.Tests;

public sealed class ToolkitAliasesTests
{
    private static readonly MethodInfo[] Aliases = typeof(ToolkitAliases).GetMethods(BindingFlags.Public | BindingFlags.Static);

    public static TheoryData<string> AliasNames() => [.. Aliases.Select(m => m.Name)];

    [Fact]
    public void There_are_aliases_to_check()
        => Assert.NotEmpty(Aliases);

    [Theory]
    [MemberData(nameof(AliasNames))]
    public void Every_public_static_method_is_a_Cake_alias_with_a_category_and_a_namespace_import(string name)
    {
        // Given
        var method = Aliases.Single(m => m.Name == name);

        // When
        var alias = method.GetCustomAttribute<CakeMethodAliasAttribute>();
        var category = method.GetCustomAttribute<CakeAliasCategoryAttribute>();
        var namespaceImports = method.GetCustomAttributes<CakeNamespaceImportAttribute>().Select(a => a.Namespace).ToArray();

        // Then
        Assert.NotNull(alias);
        Assert.NotNull(category);
        Assert.False(string.IsNullOrWhiteSpace(category.Name));
        Assert.Contains("Toolkit.Cake", namespaceImports);
        Assert.True(method.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute)), $"{name} is not an extension method.");
        Assert.Equal(typeof(ICakeContext), method.GetParameters()[0].ParameterType);
    }

    [Fact]
    public void ToolkitBuildImage_with_null_settings_fails_with_a_TK_error_that_names_the_missing_output()
    {
        // Given
        using var temp = new TemporaryDirectory("tk-cake-alias");
        var context = new FakeCakeContext(temp.Path, new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "0" });

        // When
        var error = Record.Exception(() => context.ToolkitBuildImage(null));

        // Then
        var cakeError = Assert.IsType<CakeException>(error);
        Assert.StartsWith("TK2003: ", cakeError.Message, StringComparison.Ordinal);
        Assert.Contains("ToolkitBuildImageSettings.Output is required", cakeError.Message, StringComparison.Ordinal);
        Assert.Equal(2, cakeError.ExitCode);
        Assert.Equal("TK2003", Assert.IsType<ToolkitException>(cakeError.InnerException).Code);
    }

    [Fact]
    public void ToolkitPushImage_without_a_source_fails_with_a_coded_CakeException()
    {
        // Given
        using var temp = new TemporaryDirectory("tk-cake-push");
        var context = new FakeCakeContext(temp.Path, new Dictionary<string, string>());

        // When
        var error = Record.Exception(() => context.ToolkitPushImage(null));

        // Then
        var cakeError = Assert.IsType<CakeException>(error);
        Assert.StartsWith("TK2003: ", cakeError.Message, StringComparison.Ordinal);
        Assert.Equal(2, cakeError.ExitCode);
    }

    [Fact]
    public void ToolkitPushImage_with_Format_docker_writes_a_Docker_manifest_and_reports_its_media_type()
    {
        // Given
        using var temp = new TemporaryDirectory("tk-cake-format");
        Directory.CreateDirectory(temp.Combine("site"));
        File.WriteAllText(temp.Combine("site", "index.html"), "<h1>hello</h1>\n");
        var context = new FakeCakeContext(temp.Path, new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "0" });
        var built = context.ToolkitBuildImage(new ToolkitBuildImageSettings { Output = "oci:image:1", Layers = { "site:/srv/www/" } });

        // When
        var pushed = context.ToolkitPushImage(new ToolkitPushImageSettings { Source = "oci:image:1", Destination = "docker-archive:image.tar:app:1", Format = "docker" });

        // Then
        Assert.Equal(Toolkit.Core.Oci.MediaTypes.DockerManifest, pushed.MediaType);
        Assert.NotEqual(built.Digest, pushed.Digest);
        Assert.True(File.Exists(temp.Combine("image.tar")));
    }

    [Fact]
    public void ToolkitGenerateSbom_writes_the_SBOM_of_an_image_and_attaches_it()
    {
        // Given an image with a file in it
        using var temp = new TemporaryDirectory("tk-cake-sbom");
        Directory.CreateDirectory(temp.Combine("site"));
        File.WriteAllText(temp.Combine("site", "index.html"), "<h1>hello</h1>\n");
        var context = new FakeCakeContext(temp.Path, new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "0" });
        var built = context.ToolkitBuildImage(new ToolkitBuildImageSettings { Output = "oci:image:1", Layers = { "site:/srv/www/" } });

        // When its SBOM is written as SPDX and attached
        var sbom = context.ToolkitGenerateSbom(new ToolkitGenerateSbomSettings { Image = "oci:image:1", Format = "spdx-json", Output = "sbom/image.spdx.json", Attach = true });

        // Then the file is valid SPDX about that image, and the layout holds the referrer
        Assert.Equal("spdx-json@2.3", sbom.Format);
        Assert.Equal(built.Digest, sbom.ImageManifest);
        Toolkit.Testing.Schemas.SbomSchemas.AssertValidSpdx(File.ReadAllBytes(temp.Combine("sbom", "image.spdx.json")));
        Assert.NotNull(sbom.Referrer);
        Assert.Contains(sbom.Referrer, File.ReadAllText(temp.Combine("image", "index.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void ToolkitGenerateSbom_with_nothing_to_describe_fails_with_TK5070()
    {
        using var temp = new TemporaryDirectory("tk-cake-sbom");
        var context = new FakeCakeContext(temp.Path, new Dictionary<string, string>());

        var error = Assert.IsType<CakeException>(Record.Exception(() => context.ToolkitGenerateSbom(new ToolkitGenerateSbomSettings { Output = "sbom.json" })));

        Assert.StartsWith("TK5070:", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void ToolkitPushImage_with_an_unknown_Format_fails_with_TK2019_naming_the_setting()
    {
        // Given
        using var temp = new TemporaryDirectory("tk-cake-format");
        var context = new FakeCakeContext(temp.Path, new Dictionary<string, string>());

        // When
        var error = Record.Exception(() => context.ToolkitPushImage(new ToolkitPushImageSettings { Source = "oci:image:1", Destination = "oci:copy", Format = "v2s2" }));

        // Then
        var cakeError = Assert.IsType<CakeException>(error);
        Assert.StartsWith("TK2019: ToolkitPushImageSettings.Format 'v2s2'", cakeError.Message, StringComparison.Ordinal);
        Assert.Equal(2, cakeError.ExitCode);
    }

    [Fact]
    public void ToolkitBuildImage_with_a_null_context_fails_with_an_ArgumentNullException()
    {
        // Given
        ICakeContext? context = null;

        // When
        var error = Record.Exception(() => context!.ToolkitBuildImage(new ToolkitBuildImageSettings()));

        // Then
        Assert.Equal("context", Assert.IsType<ArgumentNullException>(error).ParamName);
    }

    [Fact]
    public void The_addin_needs_no_newer_logging_abstractions_than_the_Cake_host_loads()
    {
        // Given: Cake loads Microsoft.Extensions.Logging.Abstractions into its own context before any addin;
        // an addin built against a newer assembly version would fail to bind to it.
        var hostCopy = Path.Combine(CakeToolDirectory(), "Microsoft.Extensions.Logging.Abstractions.dll");
        var host = AssemblyName.GetAssemblyName(hostCopy).Version!;

        // When
        var needed = typeof(Toolkit.Core.Oci.Build.ImageBuilder).Assembly.GetReferencedAssemblies()
            .Single(a => a.Name == "Microsoft.Extensions.Logging.Abstractions").Version!;

        // Then
        Assert.True(needed <= host, $"Toolkit.Core needs Microsoft.Extensions.Logging.Abstractions {needed}; the Cake tool hosts {host}. Keep the 8.0.x pin in Directory.Packages.props.");
    }

    private static string CakeToolDirectory()
        => typeof(ToolkitAliasesTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CakeToolDirectory").Value!;
}
