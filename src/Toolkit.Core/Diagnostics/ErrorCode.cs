namespace Toolkit.Core.Diagnostics;

/// <summary>What kind of failure a code stands for; front-ends map it to an exit code.</summary>
public enum ErrorKind
{
    /// <summary>Something failed while doing the work (exit code 1).</summary>
    Error = 1,

    /// <summary>The input was wrong: a bad reference, option or missing folder (exit code 2).</summary>
    InvalidInput = 2,

    /// <summary>A gate or verification decided against the artifact (exit code 3).</summary>
    PolicyFailed = 3,
}

/// <summary>A stable diagnostic code with its kind and a short title.</summary>
public sealed record ErrorCode(string Code, ErrorKind Kind, string Title)
{
    public override string ToString() => Code;
}
