namespace Toolkit.Core.Diagnostics;

/// <summary>
/// An error the user can act on. It always carries a stable <c>TKnnnn</c> code and a message that says
/// what went wrong and what to do; front-ends print the code and map <see cref="Kind"/> to an exit code.
/// Messages never contain secrets.
/// </summary>
public class ToolkitException : Exception
{
    public ToolkitException(ErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentNullException.ThrowIfNull(code);
        ErrorCode = code;
    }

    public ErrorCode ErrorCode { get; }

    /// <summary>The stable code, e.g. <c>TK2001</c>.</summary>
    public string Code => ErrorCode.Code;

    public ErrorKind Kind => ErrorCode.Kind;

    public override string ToString() => $"{Code}: {Message}";
}
