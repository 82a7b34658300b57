using System.Reflection;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>The paginators of paginators-1.json over a client that answers scripted pages.</summary>
public class EcrPaginatorsTests
{
    [Fact]
    public async Task DescribeAllRepositories_follows_nextToken_until_there_is_none_and_keeps_the_page_size()
    {
        // Given three pages
        var client = ScriptedClient.Create(
            new DescribeRepositoriesResponse { Repositories = [Repository("a"), Repository("b")], NextToken = "t1" },
            new DescribeRepositoriesResponse { Repositories = [], NextToken = "t2" },
            new DescribeRepositoriesResponse { Repositories = [Repository("c")] });

        // When every repository is read
        var names = await client.DescribeAllRepositoriesAsync(new DescribeRepositoriesRequest { MaxResults = 2 }, CancellationToken.None).Select(r => r.RepositoryName).ToListAsync();

        // Then the three pages were asked for with the tokens, and the page size each time
        Assert.Equal(["a", "b", "c"], names);
        var requests = ScriptedClient.Requests<DescribeRepositoriesRequest>(client);
        Assert.Equal([null, "t1", "t2"], requests.Select(r => r.NextToken));
        Assert.All(requests, r => Assert.Equal(2, r.MaxResults));
    }

    [Fact]
    public async Task DescribeAllImages_and_ListAllImageReferrers_read_their_result_keys()
    {
        var images = ScriptedClient.Create(
            new DescribeImagesResponse { ImageDetails = [new ImageDetail { ImageDigest = "sha256:1" }], NextToken = "n" },
            new DescribeImagesResponse { ImageDetails = [new ImageDetail { ImageDigest = "sha256:2" }] });
        var referrers = ScriptedClient.Create(
            new ListImageReferrersResponse { Referrers = [new ImageReferrer { Digest = "sha256:r1", MediaType = "m", Size = 1 }], NextToken = "n" },
            new ListImageReferrersResponse { Referrers = [new ImageReferrer { Digest = "sha256:r2", MediaType = "m", Size = 2 }] });

        var digests = await images.DescribeAllImagesAsync(new DescribeImagesRequest { RepositoryName = "app" }, CancellationToken.None).Select(i => i.ImageDigest).ToListAsync();
        var referrerDigests = await referrers.ListAllImageReferrersAsync(
            new ListImageReferrersRequest { RepositoryName = "app", SubjectId = new SubjectIdentifier { ImageDigest = "sha256:s" } },
            CancellationToken.None).Select(r => r.Digest).ToListAsync();

        Assert.Equal(["sha256:1", "sha256:2"], digests);
        Assert.Equal(["sha256:r1", "sha256:r2"], referrerDigests);
        Assert.All(ScriptedClient.Requests<DescribeImagesRequest>(images), r => Assert.Equal("app", r.RepositoryName));
        Assert.Equal("sha256:s", ScriptedClient.Requests<ListImageReferrersRequest>(referrers)[1].SubjectId.ImageDigest);
    }

    [Fact]
    public async Task DescribeAllImageScanFindings_joins_basic_and_enhanced_findings_of_every_page()
    {
        // Given pages with basic findings on some and enhanced findings on others
        var counts = new Dictionary<FindingSeverity, int> { [FindingSeverity.High] = 2, [FindingSeverity.Low] = 1 };
        var client = ScriptedClient.Create(
            new DescribeImageScanFindingsResponse
            {
                RepositoryName = "app",
                ImageScanStatus = new ImageScanStatus { Status = ScanStatus.Complete },
                ImageScanFindings = new ImageScanFindings { FindingSeverityCounts = counts, Findings = [new ImageScanFinding { Name = "CVE-1" }] },
                NextToken = "p2",
            },
            new DescribeImageScanFindingsResponse
            {
                ImageScanFindings = new ImageScanFindings { EnhancedFindings = [new EnhancedImageScanFinding { Title = "CVE-2" }] },
                NextToken = "p3",
            },
            new DescribeImageScanFindingsResponse
            {
                ImageScanFindings = new ImageScanFindings { Findings = [new ImageScanFinding { Name = "CVE-3" }], EnhancedFindings = [new EnhancedImageScanFinding { Title = "CVE-4" }] },
            });

        // When all findings are read
        var all = await client.DescribeAllImageScanFindingsAsync(
            new DescribeImageScanFindingsRequest { RepositoryName = "app", ImageId = new ImageIdentifier { ImageTag = "1" } },
            CancellationToken.None);

        // Then both lists hold every page's findings, the rest is the first page's
        Assert.Equal(["CVE-1", "CVE-3"], all.ImageScanFindings!.Findings!.Select(f => f.Name));
        Assert.Equal(["CVE-2", "CVE-4"], all.ImageScanFindings.EnhancedFindings!.Select(f => f.Title));
        Assert.Same(counts, all.ImageScanFindings.FindingSeverityCounts);
        Assert.Equal(ScanStatus.Complete, all.ImageScanStatus!.Status);
        Assert.Equal("app", all.RepositoryName);
        Assert.Null(all.NextToken);
        Assert.Equal([null, "p2", "p3"], ScriptedClient.Requests<DescribeImageScanFindingsRequest>(client).Select(r => r.NextToken));
    }

    [Fact]
    public async Task DescribeAllImageScanFindings_leaves_a_kind_of_findings_no_page_had_null()
    {
        var client = ScriptedClient.Create(
            new DescribeImageScanFindingsResponse { ImageScanFindings = new ImageScanFindings { Findings = [new ImageScanFinding { Name = "CVE-1" }] } });

        var all = await client.DescribeAllImageScanFindingsAsync(
            new DescribeImageScanFindingsRequest { RepositoryName = "app", ImageId = new ImageIdentifier { ImageTag = "1" } },
            CancellationToken.None);

        Assert.Single(all.ImageScanFindings!.Findings!);
        Assert.Null(all.ImageScanFindings.EnhancedFindings);
    }

    [Fact]
    public async Task A_token_that_comes_back_stops_the_reading_with_TK3048()
    {
        var client = ScriptedClient.Create(
            new DescribeImagesResponse { NextToken = "a" },
            new DescribeImagesResponse { NextToken = "b" },
            new DescribeImagesResponse { NextToken = "a" },
            new DescribeImagesResponse());

        var exception = await Assert.ThrowsAsync<ToolkitException>(async () =>
            await client.DescribeAllImagesAsync(new DescribeImagesRequest { RepositoryName = "app" }, CancellationToken.None).ToListAsync());

        Assert.Equal(ErrorCodes.EcrPaginationStuck, exception.ErrorCode);
        Assert.Equal(3, ScriptedClient.Requests<DescribeImagesRequest>(client).Count);
    }

    [Fact]
    public async Task Reading_stops_when_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        var client = ScriptedClient.Create(new DescribeRepositoriesResponse { NextToken = "a" }, new DescribeRepositoriesResponse());

        await using var pages = client.DescribeRepositoriesPagesAsync(new DescribeRepositoriesRequest(), cancellation.Token).GetAsyncEnumerator();
        Assert.True(await pages.MoveNextAsync());
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pages.MoveNextAsync());
        Assert.Single(ScriptedClient.Requests<DescribeRepositoriesRequest>(client));
    }

    private static Repository Repository(string name) => new() { RepositoryName = name };

    /// <summary>An <see cref="IEcrClient"/> that answers the given responses in order and records the requests (not sealed: DispatchProxy derives from it).</summary>
    public class ScriptedClient : DispatchProxy
    {
        private readonly Queue<object> _responses = new();
        private readonly List<object> _requests = [];

        public static IEcrClient Create(params object[] responses)
        {
            var client = DispatchProxy.Create<IEcrClient, ScriptedClient>();
            foreach (var response in responses)
            {
                ((ScriptedClient)(object)client)._responses.Enqueue(response);
            }

            return client;
        }

        public static List<T> Requests<T>(IEcrClient client) => ((ScriptedClient)(object)client)._requests.Cast<T>().ToList();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ((CancellationToken)args![1]!).ThrowIfCancellationRequested();
            _requests.Add(args[0]!);
            var response = _responses.Dequeue();
            var fromResult = typeof(Task).GetMethod(nameof(Task.FromResult))!.MakeGenericMethod(targetMethod!.ReturnType.GetGenericArguments()[0]);
            return fromResult.Invoke(null, [response]);
        }
    }
}
