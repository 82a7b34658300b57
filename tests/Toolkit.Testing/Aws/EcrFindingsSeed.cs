namespace Toolkit.Testing.Aws;

/// <summary>
/// A package a vulnerability was found in, as Amazon Inspector describes it: the binary package name, its version,
/// release and epoch (OS packages), architecture, package manager (<c>OS</c>, <c>NUGET</c>, <c>NPM</c>, ...), the file
/// it was found in (language packages), and the version that fixes it (<c>NotAvailable</c> when there is none).
/// </summary>
public sealed record EcrVulnerablePackage(string Name, string Version, string PackageManager = "OS")
{
    public string? Release { get; init; }

    public int? Epoch { get; init; }

    public string? Arch { get; init; }

    public string? FilePath { get; init; }

    public string FixedInVersion { get; init; } = "NotAvailable";

    /// <summary>The source package basic scanning names (e.g. <c>glibc</c> for <c>libc6</c>); the binary name when null.</summary>
    public string? SourcePackage { get; init; }

    /// <summary>The version as basic scanning prints it: <c>[epoch:]version[-release]</c>.</summary>
    public string FullVersion => $"{(Epoch is > 0 ? $"{Epoch}:" : string.Empty)}{Version}{(Release is null ? string.Empty : $"-{Release}")}";
}

/// <summary>
/// One vulnerability to report for an image. The emulator renders it as a basic finding (<c>findings[]</c>: name,
/// description, uri, severity and the <c>package_name</c>/<c>package_version</c>/<c>CVSS*</c> attributes) when the registry
/// scans with BASIC, and as an Amazon Inspector finding (<c>enhancedFindings[]</c>) when it scans with ENHANCED. Basic
/// scanning covers operating-system packages only, so a vulnerability in a language package (NuGet, npm) shows in
/// enhanced findings only, as on the service.
/// </summary>
public sealed record EcrVulnerability(string Id, string Severity, string Description)
{
    /// <summary>The Inspector title; <c>"&lt;id&gt; - &lt;packages&gt;"</c> when null.</summary>
    public string? Title { get; init; }

    public double? CvssScore { get; init; }

    /// <summary>The vector, e.g. <c>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</c> (v3) or <c>AV:N/AC:L/Au:N/C:C/I:C/A:C</c> (v2).</summary>
    public string? CvssVector { get; init; }

    public string CvssVersion { get; init; } = "3.1";

    public string CvssSource { get; init; } = "NVD";

    /// <summary>The feed Inspector took the vulnerability from: <c>NVD</c>, <c>DEBIAN_CVE</c>, <c>ALAS</c>, <c>GITHUB</c>, ...</summary>
    public string Source { get; init; } = "NVD";

    public string? SourceUrl { get; init; }

    public IReadOnlyList<string> ReferenceUrls { get; init; } = [];

    public IReadOnlyList<string> RelatedVulnerabilities { get; init; } = [];

    public IReadOnlyList<EcrVulnerablePackage> Packages { get; init; } = [];

    /// <summary>The severity the vendor gave (Inspector's <c>vendorSeverity</c>); <see cref="Severity"/> when null.</summary>
    public string? VendorSeverity { get; init; }

    public DateTimeOffset? VendorCreatedAt { get; init; }

    /// <summary><c>YES</c>, <c>NO</c> or <c>PARTIAL</c>; derived from the packages' fixed versions when null.</summary>
    public string? FixAvailable { get; init; }

    public string ExploitAvailable { get; init; } = "NO";

    public string RemediationText { get; init; } = "None Provided";

    /// <summary>True when every package is an operating-system package (basic scanning reports only those).</summary>
    public bool IsOperatingSystemVulnerability => Packages.All(p => p.PackageManager == "OS");
}

/// <summary>
/// What a scan of one image reports when it completes: the vulnerabilities and how the scan ends. Seed it with
/// <see cref="EcrEmulator.SeedFindings"/> before or after the push; the findings appear once the scan is complete.
/// </summary>
public sealed record EcrFindingsSeed(IReadOnlyList<EcrVulnerability> Vulnerabilities)
{
    public EcrScanOutcome Outcome { get; init; } = EcrScanOutcome.Complete;

    /// <summary>When the vulnerability database was last updated; the scan's completion time when null.</summary>
    public DateTimeOffset? VulnerabilitySourceUpdatedAt { get; init; }

    /// <summary>A clean image: the scan completes with no findings.</summary>
    public static EcrFindingsSeed None { get; } = new([]);

    /// <summary>
    /// A Debian 12 based .NET application image with findings of every severity: OS packages (glibc, OpenSSH, zlib, util-linux,
    /// apt, tar) and NuGet packages (System.Text.Json, System.Security.Cryptography.Pkcs) that only enhanced scanning sees.
    /// </summary>
    public static EcrFindingsSeed DebianDotNetApp { get; } = new(
    [
        EcrSampleVulnerabilities.ZlibMiniZipOverflow,
        EcrSampleVulnerabilities.GlibcLooneyTunables,
        EcrSampleVulnerabilities.OpenSshRegreSshion,
        EcrSampleVulnerabilities.UtilLinuxWall,
        EcrSampleVulnerabilities.AptSignatureBypass,
        EcrSampleVulnerabilities.TarSetuidExtraction,
        EcrSampleVulnerabilities.SystemTextJsonDenialOfService,
        EcrSampleVulnerabilities.CryptographyPkcsDenialOfService,
    ]);

    /// <summary>An Amazon Linux 2 image whose findings are Amazon Linux security advisories (ALAS) grouping CVEs.</summary>
    public static EcrFindingsSeed AmazonLinux2 { get; } = new([EcrSampleVulnerabilities.AmazonLinuxOpenSsl]);
}

/// <summary>
/// Vulnerabilities with the data real scans report for them (CVSS vectors and scores from NVD, the packages and fixed
/// versions of the distribution's advisories). Package versions are those of a typical affected image.
/// </summary>
public static class EcrSampleVulnerabilities
{
    private const string Amd64 = "AMD64";

    public static EcrVulnerability ZlibMiniZipOverflow { get; } = new(
        "CVE-2023-45853",
        "CRITICAL",
        "MiniZip in zlib through 1.3 has an integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_64 via a long filename, comment, or extra field.")
    {
        CvssScore = 9.8,
        CvssVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        Source = "DEBIAN_CVE",
        SourceUrl = "https://security-tracker.debian.org/tracker/CVE-2023-45853",
        ReferenceUrls = ["https://nvd.nist.gov/vuln/detail/CVE-2023-45853", "https://github.com/madler/zlib/pull/843"],
        Packages = [new("zlib1g", "1.2.13.dfsg") { Release = "1", Epoch = 1, Arch = Amd64, SourcePackage = "zlib" }],
        FixAvailable = "NO",
    };

    public static EcrVulnerability GlibcLooneyTunables { get; } = new(
        "CVE-2023-4911",
        "HIGH",
        "A buffer overflow was discovered in the GNU C Library's dynamic loader ld.so while processing the GLIBC_TUNABLES environment variable. This issue could allow a local attacker to use maliciously crafted GLIBC_TUNABLES environment variables when launching binaries with SUID permission to execute code with elevated privileges.")
    {
        CvssScore = 7.8,
        CvssVector = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
        Source = "DEBIAN_CVE",
        SourceUrl = "https://security-tracker.debian.org/tracker/CVE-2023-4911",
        ReferenceUrls = ["https://nvd.nist.gov/vuln/detail/CVE-2023-4911", "https://www.qualys.com/2023/10/03/cve-2023-4911/looney-tunables-local-privilege-escalation-glibc-ld-so.txt"],
        Packages =
        [
            new("libc6", "2.36") { Release = "9+deb12u1", Epoch = 0, Arch = Amd64, FixedInVersion = "0:2.36-9+deb12u3", SourcePackage = "glibc" },
            new("libc-bin", "2.36") { Release = "9+deb12u1", Epoch = 0, Arch = Amd64, FixedInVersion = "0:2.36-9+deb12u3", SourcePackage = "glibc" },
        ],
        ExploitAvailable = "YES",
        RemediationText = "Upgrade glibc to 2.36-9+deb12u3 or later.",
    };

    public static EcrVulnerability OpenSshRegreSshion { get; } = new(
        "CVE-2024-6387",
        "HIGH",
        "A security regression (CVE-2006-5051) was discovered in OpenSSH's server (sshd). There is a race condition which can lead sshd to handle some signals in an unsafe manner. An unauthenticated, remote attacker may be able to trigger it by failing to authenticate within a set time period.")
    {
        CvssScore = 8.1,
        CvssVector = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
        Source = "DEBIAN_CVE",
        SourceUrl = "https://security-tracker.debian.org/tracker/CVE-2024-6387",
        ReferenceUrls = ["https://nvd.nist.gov/vuln/detail/CVE-2024-6387", "https://www.qualys.com/2024/07/01/cve-2024-6387/regresshion.txt"],
        Packages = [new("openssh-client", "9.2p1") { Release = "2+deb12u2", Epoch = 1, Arch = Amd64, FixedInVersion = "1:9.2p1-2+deb12u3", SourcePackage = "openssh" }],
        ExploitAvailable = "YES",
    };

    public static EcrVulnerability UtilLinuxWall { get; } = new(
        "CVE-2024-28085",
        "MEDIUM",
        "wall in util-linux through 2.40, often installed with setgid tty permissions, allows escape sequences to be sent to other users' terminals through argv.")
    {
        CvssScore = 5.5,
        CvssVector = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
        Source = "DEBIAN_CVE",
        SourceUrl = "https://security-tracker.debian.org/tracker/CVE-2024-28085",
        Packages = [new("bsdutils", "2.38.1") { Release = "5+b1", Epoch = 1, Arch = Amd64, FixedInVersion = "1:2.38.1-5+deb12u1", SourcePackage = "util-linux" }],
    };

    public static EcrVulnerability AptSignatureBypass { get; } = new(
        "CVE-2011-3374",
        "LOW",
        "It was found that apt-key in apt, all versions, do not correctly validate gpg keys with the master keyring, leading to a potential man-in-the-middle attack.")
    {
        CvssScore = 3.7,
        CvssVector = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N",
        Source = "DEBIAN_CVE",
        SourceUrl = "https://security-tracker.debian.org/tracker/CVE-2011-3374",
        Packages = [new("apt", "2.6.1") { Arch = Amd64 }],
        FixAvailable = "NO",
    };

    public static EcrVulnerability TarSetuidExtraction { get; } = new(
        "CVE-2005-2541",
        "INFORMATIONAL",
        "Tar 1.15.1 does not properly warn the user when extracting setuid or setgid files, which may allow local users or remote attackers to gain privileges.")
    {
        CvssScore = 10.0,
        CvssVector = "AV:N/AC:L/Au:N/C:C/I:C/A:C",
        CvssVersion = "2.0",
        Source = "DEBIAN_CVE",
        SourceUrl = "https://security-tracker.debian.org/tracker/CVE-2005-2541",
        VendorSeverity = "unimportant",
        Packages = [new("tar", "1.34") { Release = "1+deb12u1", Arch = Amd64 }],
        FixAvailable = "NO",
    };

    public static EcrVulnerability SystemTextJsonDenialOfService { get; } = new(
        "GHSA-8g4q-xg66-9fp4",
        "HIGH",
        "System.Text.Json 6.0.x and 8.0.x applications which deserialize input via a JsonSerializer with JsonSerializerOptions.AllowOutOfOrderMetadataProperties set are vulnerable to a denial of service (CVE-2024-43485).")
    {
        Title = "CVE-2024-43485 - System.Text.Json",
        CvssScore = 7.5,
        CvssVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        CvssSource = "GITHUB",
        Source = "GITHUB",
        SourceUrl = "https://github.com/advisories/GHSA-8g4q-xg66-9fp4",
        ReferenceUrls = ["https://github.com/dotnet/runtime/issues/108678", "https://nvd.nist.gov/vuln/detail/CVE-2024-43485"],
        RelatedVulnerabilities = ["CVE-2024-43485"],
        Packages = [new("System.Text.Json", "8.0.4", "NUGET") { FilePath = "app/App.deps.json", FixedInVersion = "8.0.5" }],
    };

    public static EcrVulnerability CryptographyPkcsDenialOfService { get; } = new(
        "GHSA-555c-2p6r-68mm",
        "HIGH",
        "A denial of service vulnerability exists in .NET when System.Security.Cryptography.Pkcs processes a specially crafted message (CVE-2023-29331).")
    {
        Title = "CVE-2023-29331 - System.Security.Cryptography.Pkcs",
        CvssScore = 7.5,
        CvssVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        CvssSource = "GITHUB",
        Source = "GITHUB",
        SourceUrl = "https://github.com/advisories/GHSA-555c-2p6r-68mm",
        RelatedVulnerabilities = ["CVE-2023-29331"],
        Packages = [new("System.Security.Cryptography.Pkcs", "7.0.1", "NUGET") { FilePath = "app/App.deps.json", FixedInVersion = "7.0.2" }],
    };

    public static EcrVulnerability AmazonLinuxOpenSsl { get; } = new(
        "ALAS2-2023-1934",
        "HIGH",
        "Package updates are available for Amazon Linux 2 that fix the following vulnerabilities: CVE-2023-0286: There is a type confusion vulnerability relating to X.400 address processing inside an X.509 GeneralName. CVE-2023-0215: The public API function BIO_new_NDEF is a helper function used for streaming ASN.1 data via a BIO.")
    {
        Title = "ALAS2-2023-1934 - openssl-libs",
        CvssScore = 7.4,
        CvssVector = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H",
        CvssSource = "NVD",
        Source = "ALAS",
        SourceUrl = "https://alas.aws.amazon.com/AL2/ALAS-2023-1934.html",
        RelatedVulnerabilities = ["CVE-2023-0286", "CVE-2023-0215"],
        Packages = [new("openssl-libs", "1.0.2k") { Release = "24.amzn2.0.4", Epoch = 1, Arch = "X86_64", FixedInVersion = "1:1.0.2k-24.amzn2.0.6", SourcePackage = "openssl" }],
    };
}
