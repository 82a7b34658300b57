using System.Diagnostics;
using System.Net;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Tests.Emulator;
using Toolkit.Core.Diagnostics;
using Toolkit.Testing.Aws;
using Xunit.Abstractions;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// Faults injected by the emulator's scenario (<see cref="EcrScenario.Fail"/>) against our client's standard-mode
/// retries (3 attempts, AWSSDK.Core's backoff, which the toolkit does not shorten): throttling bursts, ECR's 500
/// <c>ServerException</c> and a 503 from in front of the service. The emulator counts the attempts; each test writes how
/// long the backoff took.
/// </summary>
public sealed class EcrClientAgainstEmulatorFaultTests(ITestOutputHelper output) : IDisposable
{
    private const string Operation = "DescribeRegistry";
    private readonly EmulatedEcr _ecr = new(maxAttempts: 3);

    public void Dispose() => _ecr.Dispose();

    private Task<DescribeRegistryResponse> DescribeRegistryAsync() => _ecr.Client.DescribeRegistryAsync(new DescribeRegistryRequest(), CancellationToken.None);

    private async Task<T> TimedAsync<T>(Func<Task<T>> call)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            return await call();
        }
        finally
        {
            output.WriteLine($"{watch.Elapsed.TotalMilliseconds:F0} ms for {_ecr.Emulator.Requests.Count} attempts");
        }
    }

    private IEnumerable<int> Statuses => _ecr.Emulator.Requests.Where(r => r.Operation == Operation).Select(r => r.StatusCode);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_throttling_burst_shorter_than_the_attempts_is_ridden_out(int burst)
    {
        _ecr.Emulator.Scenario.Fail(Operation, EcrFault.Throttling, burst);

        var registry = await TimedAsync(DescribeRegistryAsync);

        Assert.Equal(_ecr.Emulator.AccountId, registry.RegistryId);
        Assert.Equal(burst + 1, _ecr.Count(Operation));
        Assert.Equal(Enumerable.Repeat(400, burst).Append(200), Statuses);
        _ecr.AssertHealthy();
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public async Task A_throttling_burst_as_long_as_the_attempts_is_TK3007_with_the_last_request_id(int burst)
    {
        _ecr.Emulator.Scenario.Fail(Operation, EcrFault.Throttling, burst);

        var error = await TimedAsync(() => Assert.ThrowsAsync<AwsServiceException>(DescribeRegistryAsync));

        Assert.IsNotAssignableFrom<EcrServiceException>(error);
        Assert.Equal(ErrorCodes.AwsThrottled, error.ErrorCode);
        Assert.Equal("ThrottlingException", error.ErrorType);
        Assert.Equal(3, _ecr.Count(Operation));
        Assert.Equal(burst - 3, _ecr.Emulator.Scenario.PendingFaults(Operation));
        Assert.Equal(_ecr.LastRequestId(Operation), error.RequestId);
        Assert.Contains($"AWS request ID {error.RequestId}", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Repeat(400, 3), Statuses);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task With_one_attempt_configured_a_single_throttle_is_not_retried()
    {
        using var single = new EmulatedEcr(maxAttempts: 1);
        single.Emulator.Scenario.Fail(Operation, EcrFault.Throttling, 1);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => single.Client.DescribeRegistryAsync(new DescribeRegistryRequest(), CancellationToken.None));

        Assert.Equal(ErrorCodes.AwsThrottled, error.ErrorCode);
        Assert.Equal(1, single.Count(Operation));
        Assert.Equal(single.LastRequestId(Operation), error.RequestId);
        single.AssertHealthy();
    }

    [Fact]
    public async Task A_throttled_page_in_the_middle_of_a_listing_is_retried_and_every_item_comes_once()
    {
        // Given 7 repositories, listed 2 at a time, and the emulator throttling the third page's first two attempts
        for (var i = 0; i < 7; i++)
        {
            await _ecr.Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = $"team/app-{i}" }, CancellationToken.None);
        }

        var pages = 0;
        var names = new List<string>();

        // When every page is read
        await foreach (var page in _ecr.Client.DescribeRepositoriesPagesAsync(new DescribeRepositoriesRequest { MaxResults = 2 }, CancellationToken.None))
        {
            if (++pages == 2)
            {
                _ecr.Emulator.Scenario.Fail("DescribeRepositories", EcrFault.Throttling, 2);
            }

            names.AddRange(page.Repositories!.Select(r => r.RepositoryName!));
        }

        // Then the third page took three attempts, and the listing is whole
        Assert.Equal(4, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"team/app-{i}"), names);
        Assert.Equal([200, 200, 400, 400, 200, 200], _ecr.Emulator.Requests.Where(r => r.Operation == "DescribeRepositories").Select(r => r.StatusCode));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task ServerException_is_retried_and_the_third_attempt_succeeds()
    {
        _ecr.Emulator.Scenario.Fail(Operation, EcrFault.ServerError, 2);

        var registry = await TimedAsync(DescribeRegistryAsync);

        Assert.Equal(_ecr.Emulator.AccountId, registry.RegistryId);
        Assert.Equal([500, 500, 200], Statuses);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task A_persistent_ServerException_is_ECRs_typed_server_fault_TK3045_after_every_attempt()
    {
        _ecr.Emulator.Scenario.Fail(Operation, EcrFault.ServerError, 10);

        var error = await TimedAsync(() => Assert.ThrowsAsync<ServerException>(DescribeRegistryAsync));

        // ServerException is an error shape of the ECR model, so it keeps its own code rather than the generic 5xx TK3008
        Assert.Equal(ErrorCodes.EcrServerError, error.ErrorCode);
        Assert.True(error.IsServerFault);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal([500, 500, 500], Statuses);
        Assert.Equal(_ecr.LastRequestId(Operation), error.RequestId);
        Assert.Contains($"AWS request ID {error.RequestId}", error.Message, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task A_503_is_retried_and_the_call_succeeds_when_it_passes()
    {
        _ecr.Emulator.Scenario.Fail(Operation, EcrFault.ServiceUnavailable, 2);

        var registry = await TimedAsync(DescribeRegistryAsync);

        Assert.Equal(_ecr.Emulator.AccountId, registry.RegistryId);
        Assert.Equal([503, 503, 200], Statuses);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task A_persistent_503_is_TK3008_with_the_last_request_id()
    {
        _ecr.Emulator.Scenario.Fail(Operation, EcrFault.ServiceUnavailable, 10);

        var error = await TimedAsync(() => Assert.ThrowsAsync<AwsServiceException>(DescribeRegistryAsync));

        Assert.IsNotAssignableFrom<EcrServiceException>(error);
        Assert.Equal(ErrorCodes.AwsServiceUnavailable, error.ErrorCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal([503, 503, 503], Statuses);
        Assert.Equal(_ecr.LastRequestId(Operation), error.RequestId);
        Assert.Contains("3 attempts", error.Message, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task Faults_for_any_operation_hit_the_next_calls_whatever_they_are()
    {
        // Given a throttle and a 503 queued for any operation
        _ecr.Emulator.Scenario.Fail("*", EcrFault.Throttling).Fail("*", EcrFault.ServiceUnavailable);
        var (manifest, digest) = EmulatorChecks.ImageManifest("any-operation");

        // When a repository is created and an image put
        var created = await _ecr.Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "team/app" }, CancellationToken.None);
        var put = await _ecr.Client.PutImageAsync(new PutImageRequest { RepositoryName = "team/app", ImageManifest = manifest, ImageTag = "1" }, CancellationToken.None);

        // Then both faults went to CreateRepository, which was sent three times and created the repository once
        Assert.Equal("team/app", created.Repository?.RepositoryName);
        Assert.Equal(digest, put.Image?.ImageId?.ImageDigest);
        Assert.Equal(
            [("CreateRepository", 400), ("CreateRepository", 503), ("CreateRepository", 200), ("PutImage", 200)],
            _ecr.Emulator.Requests.Select(r => (r.Operation!, r.StatusCode)));
        _ecr.AssertHealthy();
    }
}
