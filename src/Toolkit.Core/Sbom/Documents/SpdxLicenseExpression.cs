using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>
/// A license expression as SPDX 2.3 Annex D defines it, checked against the SPDX License List: listed identifiers
/// (with <c>+</c> for "or later"), <c>LicenseRef-</c> references, <c>WITH</c> a listed exception, <c>AND</c>, <c>OR</c>
/// and parentheses; <c>WITH</c> binds tighter than <c>AND</c>, which binds tighter than <c>OR</c>. Parsing normalises
/// the text: identifiers take the list's spelling, operators are upper case, and whitespace is single spaces.
/// </summary>
/// <remarks>
/// <c>DocumentRef-</c> references are refused: they point into other SPDX documents, which ours never name.
/// </remarks>
internal sealed class SpdxLicenseExpression
{
    private readonly Node _root;

    private SpdxLicenseExpression(Node root)
    {
        _root = root;
        Text = Render(root, parent: null);
        var references = new SortedSet<string>(StringComparer.Ordinal);
        CollectReferences(root, references);
        LicenseRefs = references.ToArray();
    }

    /// <summary>The normalised expression.</summary>
    public string Text { get; }

    /// <summary>The listed license identifier, when the expression is exactly one (no <c>+</c>, exception or operator).</summary>
    public string? SingleLicenseId => _root is LicenseNode { OrLater: false } license ? license.Id : null;

    /// <summary>The <c>LicenseRef-</c> identifiers the expression uses, sorted.</summary>
    public IReadOnlyList<string> LicenseRefs { get; }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out SpdxLicenseExpression? expression)
    {
        expression = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var tokens = Tokenize(text);
        if (tokens is null)
        {
            return false;
        }

        var parser = new Parser(tokens);
        var root = parser.ParseOr();
        if (root is null || !parser.AtEnd)
        {
            return false;
        }

        expression = new SpdxLicenseExpression(root);
        return true;
    }

    /// <summary>One identifier as an expression: a listed license (any case) or a <c>LicenseRef-</c>.</summary>
    public static bool TryParseIdentifier([NotNullWhen(true)] string? id, [NotNullWhen(true)] out SpdxLicenseExpression? expression)
    {
        expression = null;
        if (string.IsNullOrWhiteSpace(id) || Tokenize(id) is not [var word] || ParseSimple(word) is not { } node)
        {
            return false;
        }

        expression = new SpdxLicenseExpression(node);
        return true;
    }

    /// <summary>All of <paramref name="expressions"/> at once: their conjunction, parenthesised where precedence needs it.</summary>
    public static SpdxLicenseExpression And(IReadOnlyList<SpdxLicenseExpression> expressions)
    {
        ArgumentOutOfRangeException.ThrowIfZero(expressions.Count);
        if (expressions.Count == 1)
        {
            return expressions[0];
        }

        var operands = new List<Node>();
        foreach (var expression in expressions)
        {
            if (expression._root is AndNode and)
            {
                operands.AddRange(and.Operands);
            }
            else
            {
                operands.Add(expression._root);
            }
        }

        return new SpdxLicenseExpression(new AndNode(operands));
    }

    /// <summary>Whether <paramref name="value"/> is an SPDX <c>idstring</c> (letters, digits, <c>.</c> and <c>-</c>).</summary>
    public static bool IsIdString(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '.' and not '-')
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => Text;

    private static List<string>? Tokenize(string text)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (c is '(' or ')' || char.IsWhiteSpace(c))
            {
                if (word.Length > 0)
                {
                    tokens.Add(word.ToString());
                    word.Clear();
                }

                if (!char.IsWhiteSpace(c))
                {
                    tokens.Add(c.ToString());
                }
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+' or ':')
            {
                word.Append(c);
            }
            else
            {
                return null;
            }
        }

        if (word.Length > 0)
        {
            tokens.Add(word.ToString());
        }

        return tokens;
    }

    private static Node? ParseSimple(string word)
    {
        if (IsOperator(word, "AND") || IsOperator(word, "OR") || IsOperator(word, "WITH"))
        {
            return null;
        }

        const string Prefix = "LicenseRef-";
        if (word.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            var idString = word.AsSpan(Prefix.Length);
            return IsIdString(idString) ? new ReferenceNode(Prefix + idString.ToString()) : null;
        }

        // Some listed identifiers end in '+' themselves (the deprecated "GPL-2.0+").
        if (SpdxLicenseList.TryGetLicense(word, out var listed))
        {
            return new LicenseNode(listed, OrLater: false);
        }

        if (word.Length > 1 && word[^1] == '+' && SpdxLicenseList.TryGetLicense(word[..^1], out listed))
        {
            return new LicenseNode(listed, OrLater: true);
        }

        return null;
    }

    private static bool IsOperator(string token, string name) => string.Equals(token, name, StringComparison.OrdinalIgnoreCase);

    private static string Render(Node node, Node? parent)
    {
        switch (node)
        {
            case LicenseNode license:
                return license.OrLater ? license.Id + "+" : license.Id;
            case ReferenceNode reference:
                return reference.Id;
            case WithNode with:
                return Render(with.License, with) + " WITH " + with.Exception;
            case AndNode and:
                return Group(string.Join(" AND ", and.Operands.Select(o => Render(o, and))), parent);
            case OrNode or:
                return Group(string.Join(" OR ", or.Operands.Select(o => Render(o, or))), parent);
            default:
                throw new InvalidOperationException($"Unknown node {node.GetType().Name}.");
        }

        // A compound inside another operator is parenthesised: required for OR under AND, clearer for AND under OR.
        static string Group(string text, Node? parent) => parent is null ? text : "(" + text + ")";
    }

    private static void CollectReferences(Node node, SortedSet<string> references)
    {
        switch (node)
        {
            case ReferenceNode reference:
                references.Add(reference.Id);
                break;
            case WithNode with:
                CollectReferences(with.License, references);
                break;
            case AndNode and:
                and.Operands.ForEach(o => CollectReferences(o, references));
                break;
            case OrNode or:
                or.Operands.ForEach(o => CollectReferences(o, references));
                break;
        }
    }

    private abstract record Node;

    private sealed record LicenseNode(string Id, bool OrLater) : Node;

    private sealed record ReferenceNode(string Id) : Node;

    private sealed record WithNode(Node License, string Exception) : Node;

    private sealed record AndNode(List<Node> Operands) : Node;

    private sealed record OrNode(List<Node> Operands) : Node;

    private sealed class Parser(List<string> tokens)
    {
        private int _position;

        public bool AtEnd => _position == tokens.Count;

        public Node? ParseOr()
        {
            var operands = new List<Node>();
            do
            {
                if (ParseAnd() is not { } operand)
                {
                    return null;
                }

                operands.Add(operand);
            }
            while (Accept("OR"));

            return operands.Count == 1 ? operands[0] : new OrNode(operands);
        }

        private Node? ParseAnd()
        {
            var operands = new List<Node>();
            do
            {
                if (ParseWith() is not { } operand)
                {
                    return null;
                }

                operands.Add(operand);
            }
            while (Accept("AND"));

            return operands.Count == 1 ? operands[0] : new AndNode(operands);
        }

        private Node? ParseWith()
        {
            if (AtEnd)
            {
                return null;
            }

            if (tokens[_position] == "(")
            {
                _position++;
                var inner = ParseOr();
                if (inner is null || AtEnd || tokens[_position] != ")")
                {
                    return null;
                }

                _position++;
                return inner;
            }

            if (ParseSimple(tokens[_position]) is not { } simple)
            {
                return null;
            }

            _position++;
            if (!Accept("WITH"))
            {
                return simple;
            }

            if (AtEnd || !SpdxLicenseList.TryGetException(tokens[_position], out var exception))
            {
                return null;
            }

            _position++;
            return new WithNode(simple, exception);
        }

        private bool Accept(string keyword)
        {
            if (!AtEnd && IsOperator(tokens[_position], keyword))
            {
                _position++;
                return true;
            }

            return false;
        }
    }
}
