using System.Text;

namespace Toolkit.Core.Registry;

/// <summary>One challenge of a <c>WWW-Authenticate</c> header: a scheme (<c>Basic</c>, <c>Bearer</c>) and its parameters.</summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Realm => Get("realm");

    public string? Service => Get("service");

    public string? Scope => Get("scope");

    public bool IsBearer => string.Equals(Scheme, "Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => string.Equals(Scheme, "Basic", StringComparison.OrdinalIgnoreCase);

    public string? Get(string name) => Parameters.TryGetValue(name, out var value) ? value : null;

    /// <summary>
    /// Parses every challenge in one header value (RFC 9110 §11.6.1): <c>Bearer realm="...",service="..."</c>,
    /// quoted strings with backslash escapes, several challenges separated by commas. Token68 credentials are ignored.
    /// </summary>
    public static IReadOnlyList<AuthChallenge> Parse(string? header)
    {
        var challenges = new List<AuthChallenge>();
        if (string.IsNullOrWhiteSpace(header))
        {
            return challenges;
        }

        string? scheme = null;
        Dictionary<string, string>? parameters = null;
        var i = 0;
        while (i < header.Length)
        {
            while (i < header.Length && (header[i] == ',' || char.IsWhiteSpace(header[i])))
            {
                i++;
            }

            if (i >= header.Length)
            {
                break;
            }

            var start = i;
            while (i < header.Length && header[i] != '=' && header[i] != ',' && !char.IsWhiteSpace(header[i]))
            {
                i++;
            }

            var token = header[start..i];
            var afterToken = i;
            while (i < header.Length && char.IsWhiteSpace(header[i]))
            {
                i++;
            }

            if (i < header.Length && header[i] == '=' && parameters is not null && !IsToken68Tail(header, i))
            {
                i++;
                while (i < header.Length && char.IsWhiteSpace(header[i]))
                {
                    i++;
                }

                parameters[token] = ReadValue(header, ref i);
                continue;
            }

            if (i < header.Length && header[i] == '=')
            {
                // token68 (e.g. "Basic dXNlcg==") or stray '=': skip to the next comma.
                while (i < header.Length && header[i] != ',')
                {
                    i++;
                }

                continue;
            }

            if (scheme is not null)
            {
                challenges.Add(new AuthChallenge(scheme, parameters!));
            }

            scheme = token;
            parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            i = afterToken;
        }

        if (scheme is not null)
        {
            challenges.Add(new AuthChallenge(scheme, parameters!));
        }

        return challenges;
    }

    private static bool IsToken68Tail(string header, int equals)
        => equals + 1 < header.Length && header[equals + 1] == '=';

    private static string ReadValue(string header, ref int i)
    {
        if (i < header.Length && header[i] == '"')
        {
            i++;
            var value = new StringBuilder();
            while (i < header.Length && header[i] != '"')
            {
                if (header[i] == '\\' && i + 1 < header.Length)
                {
                    i++;
                }

                value.Append(header[i]);
                i++;
            }

            i++;
            return value.ToString();
        }

        var start = i;
        while (i < header.Length && header[i] != ',' && !char.IsWhiteSpace(header[i]))
        {
            i++;
        }

        return header[start..i];
    }
}
