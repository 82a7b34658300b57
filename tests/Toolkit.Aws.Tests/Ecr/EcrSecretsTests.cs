using Microsoft.Extensions.Logging;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>ECR registry passwords never reach a log line (at any level) or an exception, on the paths that handle them.</summary>
public sealed class EcrSecretsTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IAsyncLifetime
{
    private readonly StaticEcrRegistryBackend _backend = new StaticEcrRegistryBackend().WithRepository("team/secrets");
    private readonly Recording _log = new();
    private EcrDataPlaneHarness _ecr = null!;

    public async Task InitializeAsync() => _ecr = await EcrDataPlaneHarness.StartAsync(registry, _backend);

    public async Task DisposeAsync() => await _ecr.DisposeAsync();

    [Fact]
    public async Task No_token_appears_in_logs_or_errors_of_a_push_with_a_renewal_and_a_missing_repository()
    {
        // Given every log level recorded, and tokens that expire once the first blob is stored
        var tokens = new BackendTokenSource(_backend);
        var expired = 0;
        _ecr.Plane.Relayed = (method, path, status) =>
        {
            if (method == "PUT" && path.Contains("/blobs/uploads/", StringComparison.Ordinal) && status == 201 && Interlocked.Exchange(ref expired, 1) == 0)
            {
                _backend.ExpireAll();
            }
        };
        var options = new RegistryClientOptions { LoggerFactory = _log, RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryAttempts = 2 }.WithAmazonEcr(tokens);
        using var factory = new RegistryClientFactory(options, _ecr.Transport());
        var (layout, _) = await _ecr.WriteImageAsync("secrets", 40, 100_000, 50_000);
        var pusher = new RegistryPusher(factory, _log);

        // When an image is pushed (renewing the token on the way), then pushed to a repository that does not exist
        await pusher.PushAsync(ImageLocation.Parse($"oci:{layout}:1"), ImageLocation.Parse($"{_ecr.Registry}/team/secrets:1"), new PushOptions { MaxParallelUploads = 1 }, CancellationToken.None);
        var error = await Assert.ThrowsAsync<ToolkitException>(() => pusher.PushAsync(
            ImageLocation.Parse($"oci:{layout}:1"), ImageLocation.Parse($"{_ecr.Registry}/team/absent:1"), new PushOptions(), CancellationToken.None));

        // Then debug logging said what happened, and no password issued appears anywhere
        Assert.Equal(2, tokens.Calls);
        Assert.Contains(_log.Messages, m => m.Contains("authorization token has expired", StringComparison.Ordinal));
        Assert.Contains(_log.Messages, m => m.Contains("Got an Amazon ECR authorization token", StringComparison.Ordinal));
        var everything = string.Join('\n', _log.Messages) + "\n" + error;
        Assert.NotEmpty(_backend.IssuedPasswords);
        foreach (var password in _backend.IssuedPasswords)
        {
            Assert.DoesNotContain(password, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"AWS:{password}")), everything, StringComparison.Ordinal);
        }
    }

    /// <summary>Every message of every category at every level, formatted, with exceptions.</summary>
    private sealed class Recording : ILoggerFactory, ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IReadOnlyList<string> Messages => [.. _messages];

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => _messages.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");

        public void Dispose()
        {
        }
    }
}
