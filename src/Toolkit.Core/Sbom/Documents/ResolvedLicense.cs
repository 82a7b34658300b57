namespace Toolkit.Core.Sbom.Documents;

/// <summary>How a license is written: a listed SPDX identifier, a valid SPDX expression, or only a name.</summary>
internal enum ResolvedLicenseKind
{
    Id,
    Expression,
    Name,
}

/// <summary>
/// A license as the writers render it. An expression that is exactly one listed identifier is an identifier; an
/// "identifier" that is not on the SPDX list (e.g. Debian's <c>GPL-2+</c>) and is no valid expression either, or an
/// expression that does not parse, is kept as a name, so nothing invalid is claimed to be SPDX.
/// </summary>
internal sealed record ResolvedLicense(ResolvedLicenseKind Kind, string Value, string? Url, SpdxLicenseExpression? Expression)
{
    public static ResolvedLicense? Resolve(SbomLicense license)
    {
        var url = license.Url is { } text && Uri.TryCreate(text, UriKind.Absolute, out _) ? text : null;
        if (license.Expression is { } expressionText)
        {
            return SpdxLicenseExpression.TryParse(expressionText, out var expression)
                ? FromExpression(expression, url)
                : new ResolvedLicense(ResolvedLicenseKind.Name, expressionText, url, null);
        }

        if (license.Id is { } id)
        {
            return SpdxLicenseExpression.TryParse(id, out var expression)
                ? FromExpression(expression, url)
                : new ResolvedLicense(ResolvedLicenseKind.Name, id, url, null);
        }

        if (license.Name is { } name)
        {
            return new ResolvedLicense(ResolvedLicenseKind.Name, name, url, null);
        }

        return url is null ? null : new ResolvedLicense(ResolvedLicenseKind.Name, url, url, null);
    }

    /// <summary>The licenses of a component, resolved, without duplicates, in their (sorted) order.</summary>
    public static IReadOnlyList<ResolvedLicense> ResolveAll(IEnumerable<SbomLicense> licenses)
        => licenses.Select(Resolve).OfType<ResolvedLicense>().DistinctBy(l => (l.Kind, l.Value, l.Url)).ToArray();

    private static ResolvedLicense FromExpression(SpdxLicenseExpression expression, string? url)
        => expression.SingleLicenseId is { } single
            ? new ResolvedLicense(ResolvedLicenseKind.Id, single, url, expression)
            : new ResolvedLicense(ResolvedLicenseKind.Expression, expression.Text, url, expression);
}
