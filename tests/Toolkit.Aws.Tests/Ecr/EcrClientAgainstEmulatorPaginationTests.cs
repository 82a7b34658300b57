using System.Text.Json;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Tests.Emulator;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// The paginators of our client (<see cref="EcrPaginators"/>) against the emulator's opaque, scope-bound page tokens,
/// with small page sizes: every item comes back once and in order, each page is one request that repeats the page
/// size and sends the previous page's token.
/// </summary>
public sealed class EcrClientAgainstEmulatorPaginationTests : IDisposable
{
    private static readonly string[] s_severities = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"];
    private readonly EmulatedEcr _ecr = new();

    private EcrClient Client => _ecr.Client;

    public void Dispose() => _ecr.Dispose();

    /// <summary>
    /// The bodies of <paramref name="operation"/>'s requests: each has <paramref name="maxResults"/>; the first no token,
    /// every other the token the answer before it gave. Returns how many pages there were.
    /// </summary>
    private int AssertPagedRequests(string operation, int maxResults)
    {
        var bodies = _ecr.Emulator.Requests.Where(r => r.Operation == operation).Select(r => JsonDocument.Parse(r.RequestBody).RootElement.Clone()).ToList();
        Assert.All(bodies, b => Assert.Equal(maxResults, b.GetProperty("maxResults").GetInt32()));
        Assert.False(bodies[0].TryGetProperty("nextToken", out _));
        var tokens = bodies.Skip(1).Select(b => b.GetProperty("nextToken").GetString()).ToList();
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        return bodies.Count;
    }

    private async Task<(string Text, string Digest)> PutAsync(string repository, string seed, string? tag)
    {
        var image = EmulatorChecks.ImageManifest(seed);
        await Client.PutImageAsync(new PutImageRequest { RepositoryName = repository, ImageManifest = image.Text, ImageTag = tag }, CancellationToken.None);
        return image;
    }

    /// <summary><paramref name="os"/> operating-system vulnerabilities (one package each) and <paramref name="nuget"/> in NuGet packages.</summary>
    private static EcrFindingsSeed ManyFindings(int os, int nuget)
        => new(
        [
            .. Enumerable.Range(0, os).Select(i => new EcrVulnerability($"CVE-2024-{10000 + i}", s_severities[i % s_severities.Length], $"OS vulnerability {i}")
            {
                CvssScore = 5.3,
                CvssVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
                Packages = [new EcrVulnerablePackage($"libexample{i}", "1.2.3") { Release = "1", Arch = "AMD64" }],
            }),
            .. Enumerable.Range(0, nuget).Select(i => new EcrVulnerability($"GHSA-test-{i:D4}", "HIGH", $"NuGet vulnerability {i}")
            {
                Packages = [new EcrVulnerablePackage($"Example.Package{i}", "1.0.0", "NUGET") { FilePath = "app/App.deps.json", FixedInVersion = "1.0.1" }],
            }),
        ]);

    [Fact]
    public async Task DescribeRepositories_in_pages_of_5_lists_all_23_once()
    {
        var names = Enumerable.Range(0, 23).Select(i => $"team/service-{i:D2}").ToList();
        foreach (var name in names)
        {
            await Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = name }, CancellationToken.None);
        }

        var listed = new List<Repository>();
        await foreach (var repository in Client.DescribeAllRepositoriesAsync(new DescribeRepositoriesRequest { MaxResults = 5 }, CancellationToken.None))
        {
            listed.Add(repository);
        }

        Assert.Equal(names, listed.Select(r => r.RepositoryName));
        Assert.All(listed, r => Assert.Equal($"{_ecr.Emulator.RegistryHost}/{r.RepositoryName}", r.RepositoryUri));
        Assert.Equal(5, AssertPagedRequests("DescribeRepositories", 5));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task DescribeImages_in_pages_of_4_lists_every_image_and_keeps_the_filter_on_every_page()
    {
        // Given 17 images, of which those whose number is a multiple of 3 are untagged
        await Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "team/app" }, CancellationToken.None);
        var images = new List<(string Digest, bool Tagged)>();
        for (var i = 0; i < 17; i++)
        {
            var (_, digest) = await PutAsync("team/app", $"image-{i}", i % 3 == 0 ? null : $"v{i}");
            images.Add((digest, i % 3 != 0));
        }

        // When all are listed 4 at a time, then the tagged ones 4 at a time
        var all = new List<ImageDetail>();
        await foreach (var image in Client.DescribeAllImagesAsync(new DescribeImagesRequest { RepositoryName = "team/app", MaxResults = 4 }, CancellationToken.None))
        {
            all.Add(image);
        }

        var allPages = AssertPagedRequests("DescribeImages", 4);
        var tagged = new List<ImageDetail>();
        await foreach (var page in Client.DescribeImagesPagesAsync(new DescribeImagesRequest { RepositoryName = "team/app", MaxResults = 4, Filter = new DescribeImagesFilter { TagStatus = TagStatus.Tagged } }, CancellationToken.None))
        {
            Assert.InRange(page.ImageDetails!.Count, 1, 4);
            tagged.AddRange(page.ImageDetails);
        }

        // Then
        Assert.Equal(images.Select(i => i.Digest), all.Select(i => i.ImageDigest));
        Assert.Equal(_ecr.Emulator.ImageDigests("team/app"), all.Select(i => i.ImageDigest));
        Assert.Equal(5, allPages);
        Assert.Equal(images.Where(i => i.Tagged).Select(i => i.Digest), tagged.Select(i => i.ImageDigest));
        Assert.All(tagged, i => Assert.Single(i.ImageTags!));
        var filteredBodies = _ecr.Emulator.Requests.Where(r => r.Operation == "DescribeImages").Skip(allPages).Select(r => JsonDocument.Parse(r.RequestBody).RootElement.Clone()).ToList();
        Assert.Equal(3, filteredBodies.Count);
        Assert.All(filteredBodies, b => Assert.Equal("TAGGED", b.GetProperty("filter").GetProperty("tagStatus").GetString()));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task DescribeImageScanFindings_of_a_basic_scan_in_pages_of_7_returns_all_45_findings_once()
    {
        // Given a scanned image with 45 operating-system findings (the 12 NuGet ones basic scanning does not see)
        await Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "team/app" }, CancellationToken.None);
        var (_, digest) = await PutAsync("team/app", "basic-findings", "1");
        _ecr.Emulator.SeedFindings("team/app", digest, ManyFindings(os: 45, nuget: 12));
        await Client.StartImageScanAsync(new StartImageScanRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageDigest = digest } }, CancellationToken.None);

        // When all the findings are read 7 at a time
        var result = await Client.DescribeAllImageScanFindingsAsync(
            new DescribeImageScanFindingsRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageTag = "1" }, MaxResults = 7 },
            CancellationToken.None);

        // Then they came in 7 pages, each once, with the first page's summary
        var names = result.ImageScanFindings!.Findings!.Select(f => f.Name!).ToList();
        Assert.Equal(Enumerable.Range(0, 45).Select(i => $"CVE-2024-{10000 + i}"), names);
        Assert.Null(result.ImageScanFindings.EnhancedFindings);
        Assert.Null(result.NextToken);
        Assert.Equal(ScanStatus.Complete, result.ImageScanStatus?.Status);
        Assert.Equal((digest, "1"), (result.ImageId!.ImageDigest!, result.ImageId.ImageTag!));
        Assert.Equal(45, result.ImageScanFindings.FindingSeverityCounts!.Values.Sum());
        Assert.Equal(9, result.ImageScanFindings.FindingSeverityCounts[FindingSeverity.Critical]);
        Assert.All(result.ImageScanFindings.Findings!, f => Assert.Contains(f.Attributes!, a => a.Key == "package_name" && a.Value!.StartsWith("libexample", StringComparison.Ordinal)));
        Assert.Equal(7, AssertPagedRequests("DescribeImageScanFindings", 7));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task DescribeImageScanFindings_of_an_enhanced_scan_in_pages_of_10_returns_all_57_Inspector_findings_once()
    {
        // Given enhanced scanning on push for every repository, and an image pushed after it with 45 OS and 12 NuGet findings
        await Client.PutRegistryScanningConfigurationAsync(
            new PutRegistryScanningConfigurationRequest
            {
                ScanType = ScanType.Enhanced,
                Rules = [new RegistryScanningRule { ScanFrequency = ScanFrequency.ScanOnPush, RepositoryFilters = [new ScanningRepositoryFilter { Filter = "*", FilterType = ScanningRepositoryFilterType.Wildcard }] }],
            },
            CancellationToken.None);
        await Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "team/app" }, CancellationToken.None);
        var (_, digest) = await PutAsync("team/app", "enhanced-findings", "1");
        _ecr.Emulator.SeedFindings("team/app", digest, ManyFindings(os: 45, nuget: 12));

        // When every page is read 10 at a time
        var pages = new List<DescribeImageScanFindingsResponse>();
        await foreach (var page in Client.DescribeImageScanFindingsPagesAsync(
            new DescribeImageScanFindingsRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageDigest = digest }, MaxResults = 10 },
            CancellationToken.None))
        {
            pages.Add(page);
        }

        var all = await Client.DescribeAllImageScanFindingsAsync(
            new DescribeImageScanFindingsRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageDigest = digest }, MaxResults = 10 },
            CancellationToken.None);

        // Then 6 pages of at most 10 hold the 57 findings once each, and the aggregate is the same list
        Assert.Equal(6, pages.Count);
        Assert.All(pages, p => Assert.InRange(p.ImageScanFindings!.EnhancedFindings!.Count, 1, 10));
        Assert.All(pages, p => Assert.Null(p.ImageScanFindings!.Findings));
        var enhanced = all.ImageScanFindings!.EnhancedFindings!;
        Assert.Equal(pages.SelectMany(p => p.ImageScanFindings!.EnhancedFindings!).Select(f => f.FindingArn), enhanced.Select(f => f.FindingArn));
        Assert.Equal(57, enhanced.Select(f => f.FindingArn).Distinct().Count());
        Assert.Equal(
            [.. Enumerable.Range(0, 45).Select(i => $"CVE-2024-{10000 + i}"), .. Enumerable.Range(0, 12).Select(i => $"GHSA-test-{i:D4}")],
            enhanced.Select(f => f.PackageVulnerabilityDetails!.VulnerabilityId!));
        Assert.Null(all.ImageScanFindings.Findings);
        Assert.Equal(ScanStatus.Complete, all.ImageScanStatus?.Status);
        var nuget = enhanced.Single(f => f.PackageVulnerabilityDetails!.VulnerabilityId == "GHSA-test-0003");
        var package = Assert.Single(nuget.PackageVulnerabilityDetails!.VulnerablePackages!);
        Assert.Equal(("Example.Package3", "NUGET", "1.0.1", "app/App.deps.json"), (package.Name!, package.PackageManager!, package.FixedInVersion!, package.FilePath!));
        Assert.Equal(digest, Assert.Single(nuget.Resources!).Details!.AwsEcrContainerImage!.ImageHash);
        Assert.Equal(57, all.ImageScanFindings.FindingSeverityCounts!.Values.Sum());
        Assert.Equal(12, _ecr.Count("DescribeImageScanFindings"));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task ListImageReferrers_in_pages_of_5_lists_all_12_referrers_once()
    {
        await Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "team/app" }, CancellationToken.None);
        var subject = await PutAsync("team/app", "subject", "1");
        var referrers = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var referrer = EmulatorChecks.ReferrerManifest(subject.Digest, subject.Text.Length, $"application/vnd.example.attestation-{i}+json");
            await Client.PutImageAsync(new PutImageRequest { RepositoryName = "team/app", ImageManifest = referrer.Text }, CancellationToken.None);
            referrers.Add(referrer.Digest);
        }

        var listed = new List<ImageReferrer>();
        await foreach (var referrer in Client.ListAllImageReferrersAsync(
            new ListImageReferrersRequest { RepositoryName = "team/app", SubjectId = new SubjectIdentifier { ImageDigest = subject.Digest }, MaxResults = 5 },
            CancellationToken.None))
        {
            listed.Add(referrer);
        }

        Assert.Equal(referrers, listed.Select(r => r.Digest));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"application/vnd.example.attestation-{i}+json"), listed.Select(r => r.ArtifactType));
        Assert.Equal(3, AssertPagedRequests("ListImageReferrers", 5));
        _ecr.AssertHealthy();
    }
}
