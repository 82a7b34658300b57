using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci;

/// <summary>The platform an image runs on: <c>os/architecture[/variant]</c>.</summary>
public sealed record Platform
{
    [JsonConstructor]
    public Platform(string os, string architecture)
    {
        Os = os;
        Architecture = architecture;
    }

    [JsonPropertyName("architecture")]
    public string Architecture { get; init; }

    [JsonPropertyName("os")]
    public string Os { get; init; }

    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    [JsonPropertyName("features")]
    public IReadOnlyList<string>? Features { get; init; }

    public static Platform LinuxAmd64 { get; } = new("linux", "amd64");

    public static Platform LinuxArm64 { get; } = new("linux", "arm64") { Variant = "v8" };

    /// <summary>Parses <c>os/arch[/variant]</c>, e.g. <c>linux/arm64/v8</c>, normalising common aliases.</summary>
    public static Platform Parse(string value)
    {
        if (TryParse(value, out var platform))
        {
            return platform;
        }

        throw new ToolkitException(
            ErrorCodes.InvalidPlatform,
            $"'{value}' is not a platform; use os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8.");
    }

    public static bool TryParse(string? value, [NotNullWhen(true)] out Platform? platform)
    {
        platform = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var parts = value.Trim().ToLowerInvariant().Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            return false;
        }

        var (arch, variant) = NormaliseArchitecture(parts[1], parts.Length == 3 ? parts[2] : null);
        platform = new Platform(parts[0], arch) { Variant = variant };
        return true;
    }

    /// <summary>The platform of a .NET runtime identifier such as <c>linux-x64</c> or <c>linux-musl-arm64</c>.</summary>
    public static Platform FromRuntimeIdentifier(string rid)
    {
        ArgumentNullException.ThrowIfNull(rid);
        var dash = rid.LastIndexOf('-');
        var osPart = dash > 0 ? rid[..dash] : rid;
        var archPart = dash > 0 ? rid[(dash + 1)..] : string.Empty;
        var os = osPart.Split('-')[0] switch
        {
            "linux" => "linux",
            "win" => "windows",
            _ => throw new ToolkitException(ErrorCodes.InvalidPlatform, $"Runtime identifier '{rid}' does not name a container platform; use linux-x64, linux-arm64, linux-musl-x64, ..."),
        };
        return archPart switch
        {
            "x64" => new Platform(os, "amd64"),
            "arm64" => new Platform(os, "arm64") { Variant = "v8" },
            "arm" => new Platform(os, "arm") { Variant = "v7" },
            "x86" => new Platform(os, "386"),
            "s390x" => new Platform(os, "s390x"),
            "ppc64le" => new Platform(os, "ppc64le"),
            "riscv64" => new Platform(os, "riscv64"),
            "loongarch64" => new Platform(os, "loong64"),
            _ => throw new ToolkitException(ErrorCodes.InvalidPlatform, $"Runtime identifier '{rid}' has an architecture with no container platform."),
        };
    }

    /// <summary>True when this platform satisfies a wanted one (missing variants match the usual defaults).</summary>
    public bool Satisfies(Platform wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        if (!string.Equals(Os, wanted.Os, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(NormaliseArchitecture(Architecture, null).Architecture, NormaliseArchitecture(wanted.Architecture, null).Architecture, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (wanted.Variant is null)
        {
            return true;
        }

        var mine = Variant ?? NormaliseArchitecture(Architecture, null).Variant;
        return mine is null || string.Equals(mine, wanted.Variant, StringComparison.OrdinalIgnoreCase);
    }

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    public bool Equals(Platform? other)
        => other is not null && Os == other.Os && Architecture == other.Architecture && Variant == other.Variant
           && OsVersion == other.OsVersion && OciEquality.Lists(OsFeatures, other.OsFeatures)
           && OciEquality.Lists(Features, other.Features);

    public override int GetHashCode() => HashCode.Combine(Os, Architecture, Variant, OsVersion);

    private static (string Architecture, string? Variant) NormaliseArchitecture(string arch, string? variant) => arch switch
    {
        "x86_64" or "x86-64" or "amd64" => ("amd64", variant),
        "aarch64" or "arm64" => ("arm64", variant is null or "8" or "v8" ? "v8" : variant),
        "armhf" => ("arm", "v7"),
        "armel" => ("arm", "v6"),
        "arm" => ("arm", variant ?? "v7"),
        "i386" or "386" => ("386", variant),
        _ => (arch, variant),
    };
}
