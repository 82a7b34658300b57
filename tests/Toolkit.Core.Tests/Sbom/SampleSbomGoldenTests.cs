using System.Text;
using Toolkit.Core.Host;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Documents;
using Toolkit.Core.Tests.Sbom.NuGet;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Sbom;

/// <summary>
/// The SBOM of the repository's sample app (its real restore, through <see cref="SbomGenerator"/>), in every format, equals
/// its golden file: a change in what we report for the sample shows up as a reviewable diff
/// (TOOLKIT_UPDATE_GOLDEN=1 rewrites them after an intended change). The sample's packages are pinned by its lock file.
/// </summary>
[Collection(RestoredProjectsCollection.Name)]
public sealed class SampleSbomGoldenTests(RestoredSample sample)
{
    public static TheoryData<string> Formats() => [.. SbomFormat.All.Select(f => f.ToString())];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task The_sample_projects_SBOM_equals_its_golden_file(string formatName)
    {
        // Given a fixed time (no SOURCE_DATE_EPOCH in the way) and tool version
        var format = SbomFormat.Parse(formatName);
        var generator = new SbomGenerator(environment: new EmptyEnvironment());
        var request = new SbomRequest
        {
            Project = sample.ProjectPath,
            Format = format,
            // The tool's version carries the commit (SourceLink), which would change the golden file on every commit.
            Document = new SbomDocumentOptions { Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), Tools = [new SbomTool("dotnet-toolkit", "0.1.0")] },
        };

        // When
        var result = await generator.GenerateAsync(request, CancellationToken.None);

        // Then it is valid, names no path of this machine, and equals the golden file
        if (format.Standard == SbomStandard.CycloneDx)
        {
            SbomSchemas.AssertValidCycloneDx(format.SpecVersion, result.Content);
        }
        else
        {
            SbomSchemas.AssertValidSpdx(result.Content);
        }

        var text = Encoding.UTF8.GetString(result.Content);
        Assert.DoesNotContain(sample.Root, text, StringComparison.Ordinal);
        Assert.DoesNotContain(NuGetFolders.UserPackages, text, StringComparison.Ordinal);
        var path = Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "TestData", "golden", "sbom", $"Sample.Api.{format.Name}-{format.SpecVersion}{format.FileExtension}");
        if (Environment.GetEnvironmentVariable("TOOLKIT_UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllBytesAsync(path, result.Content);
        }

        Assert.Equal(await File.ReadAllTextAsync(path), text);
    }

    private sealed class EmptyEnvironment : IEnvironmentVariables
    {
        public string? Get(string name) => null;
    }
}
