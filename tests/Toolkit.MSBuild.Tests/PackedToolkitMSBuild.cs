using Toolkit.Testing;

namespace Toolkit.MSBuild.Tests;

/// <summary>
/// Toolkit.MSBuild packed once, and one consumer project published once, for every test of the
/// collection: packing and publishing cost seconds each.
/// </summary>
public sealed class PackedToolkitMSBuild : IAsyncLifetime
{
    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private LocalPackageFeed? _feed;
    private PublishedConsumer? _published;

    public LocalPackageFeed Feed => _feed ?? throw new InvalidOperationException("The package has not been packed yet.");

    /// <summary>The shared consumer project, published the first time a test asks for it.</summary>
    public async Task<PublishedConsumer> GetPublishedAsync()
    {
        await _publishLock.WaitAsync();
        try
        {
            if (_published is null)
            {
                var project = new ConsumerProject(Feed, Path.Combine(Feed.Root, "consumer", ConsumerProject.Name));
                var publish = await project.PublishAsync();

                // Later publishes (to other outputs) write the SBOM at the same default path: keep the first one's.
                var sbom = File.Exists(project.SbomFile) ? await File.ReadAllBytesAsync(project.SbomFile) : null;
                _published = new PublishedConsumer(project, publish, sbom);
            }

            return _published;
        }
        finally
        {
            _publishLock.Release();
        }
    }

    public async Task InitializeAsync()
        => _feed = await LocalPackageFeed.PackAsync(["src/Toolkit.MSBuild/Toolkit.MSBuild.csproj"]);

    public Task DisposeAsync()
    {
        _feed?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The shared consumer project, what its first publish did, and the SBOM it wrote (null if none).</summary>
public sealed record PublishedConsumer(ConsumerProject Project, ExternalToolResult FirstPublish, byte[]? FirstSbom);

[CollectionDefinition(Name)]
public sealed class PackedToolkitMSBuildCollection : ICollectionFixture<PackedToolkitMSBuild>
{
    public const string Name = "Toolkit.MSBuild package";
}
