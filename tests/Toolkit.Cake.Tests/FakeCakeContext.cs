using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Tooling;

namespace Toolkit.Cake.Tests;

/// <summary>The least of a Cake context the aliases use: a working directory, environment variables and a log.</summary>
public sealed class FakeCakeContext(string workingDirectory, IReadOnlyDictionary<string, string> environmentVariables) : ICakeContext
{
    public ICakeEnvironment Environment { get; } = new FakeEnvironment(workingDirectory, environmentVariables);

    public ICakeLog Log { get; init; } = new NullLog();

    public IFileSystem FileSystem => throw new NotSupportedException();

    public IGlobber Globber => throw new NotSupportedException();

    public ICakeArguments Arguments => throw new NotSupportedException();

    public IProcessRunner ProcessRunner => throw new NotSupportedException();

    public IRegistry Registry => throw new NotSupportedException();

    public IToolLocator Tools => throw new NotSupportedException();

    public ICakeDataResolver Data => throw new NotSupportedException();

    public ICakeConfiguration Configuration => throw new NotSupportedException();

    private sealed class FakeEnvironment(string workingDirectory, IReadOnlyDictionary<string, string> variables) : ICakeEnvironment
    {
        public DirectoryPath WorkingDirectory { get; set; } = new(workingDirectory);

        public DirectoryPath ApplicationRoot => WorkingDirectory;

        public ICakePlatform Platform => throw new NotSupportedException();

        public ICakeRuntime Runtime => throw new NotSupportedException();

        public string? GetEnvironmentVariable(string variable) => variables.TryGetValue(variable, out var value) ? value : null;

        public IDictionary<string, string> GetEnvironmentVariables() => variables.ToDictionary(StringComparer.Ordinal);

        public DirectoryPath GetSpecialPath(SpecialPath path) => throw new NotSupportedException();
    }
}

/// <summary>A Cake log that keeps what the aliases write, for tests that check warnings and messages.</summary>
public sealed class RecordingCakeLog : ICakeLog
{
    private readonly List<(LogLevel Level, string Text)> _lines = [];

    public Verbosity Verbosity { get; set; } = Verbosity.Diagnostic;

    public IReadOnlyList<(LogLevel Level, string Text)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IEnumerable<string> Warnings => Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Text);

    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
    {
        lock (_lines)
        {
            _lines.Add((level, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args)));
        }
    }
}
