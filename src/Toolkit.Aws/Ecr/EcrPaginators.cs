using System.Runtime.CompilerServices;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr;

/// <summary>
/// Reads every page of ECR's paginated operations, as the model's <c>paginators-1.json</c> describes them: the
/// request's <c>nextToken</c> takes the response's <c>nextToken</c> until there is none; <c>maxResults</c>, when set,
/// is the page size. A service that answers a token it was already sent stops the reading with TK3048 rather than loop.
/// </summary>
public static class EcrPaginators
{
    /// <summary>Every page of DescribeRepositories.</summary>
    public static IAsyncEnumerable<DescribeRepositoriesResponse> DescribeRepositoriesPagesAsync(this IEcrClient client, DescribeRepositoriesRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        return PagesAsync("DescribeRepositories", request, client.DescribeRepositoriesAsync, static (r, t) => r with { NextToken = t }, static r => r.NextToken, request.NextToken, cancellationToken);
    }

    /// <summary>Every repository DescribeRepositories lists (result key <c>repositories</c>).</summary>
    public static IAsyncEnumerable<Repository> DescribeAllRepositoriesAsync(this IEcrClient client, DescribeRepositoriesRequest request, CancellationToken cancellationToken)
        => ItemsAsync(client.DescribeRepositoriesPagesAsync(request, cancellationToken), static p => p.Repositories, cancellationToken);

    /// <summary>Every page of DescribeImages.</summary>
    public static IAsyncEnumerable<DescribeImagesResponse> DescribeImagesPagesAsync(this IEcrClient client, DescribeImagesRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        return PagesAsync("DescribeImages", request, client.DescribeImagesAsync, static (r, t) => r with { NextToken = t }, static r => r.NextToken, request.NextToken, cancellationToken);
    }

    /// <summary>Every image DescribeImages lists (result key <c>imageDetails</c>).</summary>
    public static IAsyncEnumerable<ImageDetail> DescribeAllImagesAsync(this IEcrClient client, DescribeImagesRequest request, CancellationToken cancellationToken)
        => ItemsAsync(client.DescribeImagesPagesAsync(request, cancellationToken), static p => p.ImageDetails, cancellationToken);

    /// <summary>Every page of DescribeImageScanFindings.</summary>
    public static IAsyncEnumerable<DescribeImageScanFindingsResponse> DescribeImageScanFindingsPagesAsync(this IEcrClient client, DescribeImageScanFindingsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        return PagesAsync("DescribeImageScanFindings", request, client.DescribeImageScanFindingsAsync, static (r, t) => r with { NextToken = t }, static r => r.NextToken, request.NextToken, cancellationToken);
    }

    /// <summary>
    /// All of an image's scan findings in one response, as the model's paginator builds it: <c>findings</c> and
    /// <c>enhancedFindings</c> of every page in order (each null only when no page had it), and the non-aggregate
    /// members (<c>registryId</c>, <c>repositoryName</c>, <c>imageId</c>, <c>imageScanStatus</c> and the rest of
    /// <c>imageScanFindings</c>, e.g. <c>findingSeverityCounts</c>) from the first page. No <c>nextToken</c>.
    /// </summary>
    public static async Task<DescribeImageScanFindingsResponse> DescribeAllImageScanFindingsAsync(this IEcrClient client, DescribeImageScanFindingsRequest request, CancellationToken cancellationToken)
    {
        DescribeImageScanFindingsResponse? first = null;
        List<ImageScanFinding>? findings = null;
        List<EnhancedImageScanFinding>? enhancedFindings = null;
        await foreach (var page in client.DescribeImageScanFindingsPagesAsync(request, cancellationToken).ConfigureAwait(false))
        {
            first ??= page;
            if (page.ImageScanFindings?.Findings is { } pageFindings)
            {
                (findings ??= []).AddRange(pageFindings);
            }

            if (page.ImageScanFindings?.EnhancedFindings is { } pageEnhancedFindings)
            {
                (enhancedFindings ??= []).AddRange(pageEnhancedFindings);
            }
        }

        var result = first! with { NextToken = null };
        if (result.ImageScanFindings is null && (findings is not null || enhancedFindings is not null))
        {
            result = result with { ImageScanFindings = new ImageScanFindings() };
        }

        return result.ImageScanFindings is null
            ? result
            : result with { ImageScanFindings = result.ImageScanFindings with { Findings = findings, EnhancedFindings = enhancedFindings } };
    }

    /// <summary>
    /// Every page of ListImageReferrers. (The model has no paginator entry for it yet, but its input and output carry
    /// <c>nextToken</c> like the others, so it is read the same way.)
    /// </summary>
    public static IAsyncEnumerable<ListImageReferrersResponse> ListImageReferrersPagesAsync(this IEcrClient client, ListImageReferrersRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        return PagesAsync("ListImageReferrers", request, client.ListImageReferrersAsync, static (r, t) => r with { NextToken = t }, static r => r.NextToken, request.NextToken, cancellationToken);
    }

    /// <summary>Every referrer ListImageReferrers lists (<c>referrers</c>).</summary>
    public static IAsyncEnumerable<ImageReferrer> ListAllImageReferrersAsync(this IEcrClient client, ListImageReferrersRequest request, CancellationToken cancellationToken)
        => ItemsAsync(client.ListImageReferrersPagesAsync(request, cancellationToken), static p => p.Referrers, cancellationToken);

    private static async IAsyncEnumerable<TResponse> PagesAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        Func<TRequest, CancellationToken, Task<TResponse>> call,
        Func<TRequest, string, TRequest> withToken,
        Func<TResponse, string?> nextToken,
        string? firstToken,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(firstToken))
        {
            sent.Add(firstToken);
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var response = await call(request, cancellationToken).ConfigureAwait(false);
            yield return response;
            var next = nextToken(response);
            if (string.IsNullOrEmpty(next))
            {
                yield break;
            }

            if (!sent.Add(next))
            {
                throw new ToolkitException(
                    ErrorCodes.EcrPaginationStuck,
                    $"Amazon ECR {operation} answered a nextToken it had already been sent (after {sent.Count} pages), so its pages do not advance; reading stopped rather than loop. Try again; if it persists, report it to AWS support.");
            }

            request = withToken(request, next);
        }
    }

    private static async IAsyncEnumerable<TItem> ItemsAsync<TPage, TItem>(
        IAsyncEnumerable<TPage> pages,
        Func<TPage, IReadOnlyList<TItem>?> items,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in items(page) ?? [])
            {
                yield return item;
            }
        }
    }
}
