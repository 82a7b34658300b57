namespace Toolkit.Core.Host;

/// <summary>Reads environment variables; injected so tests and front-ends (MSBuild, Cake) control what the engine sees.</summary>
public interface IEnvironmentVariables
{
    string? Get(string name);
}

/// <summary>The process environment.</summary>
public sealed class ProcessEnvironmentVariables : IEnvironmentVariables
{
    public static ProcessEnvironmentVariables Instance { get; } = new();

    public string? Get(string name) => Environment.GetEnvironmentVariable(name);
}

/// <summary>A fixed set of variables, for tests and for hosts that pass their own environment.</summary>
public sealed class DictionaryEnvironmentVariables(IReadOnlyDictionary<string, string> variables) : IEnvironmentVariables
{
    public string? Get(string name) => variables.TryGetValue(name, out var value) ? value : null;
}
