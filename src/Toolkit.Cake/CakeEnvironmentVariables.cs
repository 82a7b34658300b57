using Cake.Core;
using Toolkit.Core.Host;

namespace Toolkit.Cake;

/// <summary>The engine reads environment variables through Cake's environment.</summary>
internal sealed class CakeEnvironmentVariables(ICakeEnvironment environment) : IEnvironmentVariables
{
    public string? Get(string name) => environment.GetEnvironmentVariable(name);
}
