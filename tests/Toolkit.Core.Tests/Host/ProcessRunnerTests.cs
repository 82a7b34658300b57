using Toolkit.Core.Host;

namespace Toolkit.Core.Tests.Host;

public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task Standard_input_reaches_the_program()
    {
        // Given a program that echoes its standard input (as a credential helper reads the server URL)
        // When it runs with input
        var result = await ProcessRunner.Instance.RunAsync("cat", [], null, "https://index.docker.io/v1/", CancellationToken.None);

        // Then it saw the input
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("https://index.docker.io/v1/", result.StandardOutput);
    }

    [Fact]
    public async Task Without_input_standard_input_is_closed()
    {
        // Given a program that reads standard input to the end
        // When it runs without input
        var result = await ProcessRunner.Instance.RunAsync("cat", [], null, CancellationToken.None);

        // Then it ends with nothing read
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
    }
}
