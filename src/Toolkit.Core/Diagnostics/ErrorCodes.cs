namespace Toolkit.Core.Diagnostics;

/// <summary>
/// Every diagnostic code the engine raises. Ranges: 0xxx defects, 1xxx registry and network, 2xxx input and local
/// content, 3xxx AWS, 4xxx gate and verification, 5xxx SBOM and provenance. Codes are never reused.
/// </summary>
public static class ErrorCodes
{
    /// <summary>A defect in the toolkit, not in its input: front-ends print it with the exception's type and message.</summary>
    public static readonly ErrorCode Unexpected = new("TK0001", ErrorKind.Error, "Unexpected failure (a defect: please report it)");
    public static readonly ErrorCode ManifestContentMissing = new("TK1050", ErrorKind.Error, "A manifest names content the registry does not have");
    public static readonly ErrorCode PushDigestMismatch = new("TK1051", ErrorKind.InvalidInput, "The image's digest differs from the digest in the destination");
    public static readonly ErrorCode InvalidParallelism = new("TK1052", ErrorKind.InvalidInput, "Invalid upload parallelism or chunk size");
    public static readonly ErrorCode BlobUploadUnconfirmed = new("TK1080", ErrorKind.Error, "The registry did not confirm a blob upload");
    public static readonly ErrorCode BlobUploadInterrupted = new("TK1081", ErrorKind.Error, "A blob upload was interrupted and could not be completed");
    public static readonly ErrorCode InvalidArtifactType = new("TK1100", ErrorKind.InvalidInput, "Invalid artifact type or media type");
    public static readonly ErrorCode ArtifactFileNotFound = new("TK1101", ErrorKind.InvalidInput, "Artifact file not found");
    public static readonly ErrorCode ReferrersResponseInvalid = new("TK1102", ErrorKind.Error, "Invalid answer from the Referrers API");
    public static readonly ErrorCode ReferrersTagNotAnIndex = new("TK1103", ErrorKind.Error, "The referrers tag does not hold an image index");
    public static readonly ErrorCode ReferrersIndexUpdateLost = new("TK1104", ErrorKind.Error, "The referrers tag could not be updated");
    public static readonly ErrorCode RegistryUnreachable = new("TK1001", ErrorKind.Error, "Registry cannot be reached");
    public static readonly ErrorCode RegistryUnauthorized = new("TK1002", ErrorKind.Error, "Registry authentication failed");
    public static readonly ErrorCode RegistryDenied = new("TK1003", ErrorKind.Error, "Registry denied access");
    public static readonly ErrorCode RepositoryNotFound = new("TK1004", ErrorKind.Error, "Repository not found in the registry");
    public static readonly ErrorCode ManifestRejected = new("TK1005", ErrorKind.Error, "Registry rejected the manifest");
    public static readonly ErrorCode TagRejected = new("TK1006", ErrorKind.Error, "Registry rejected the tag");
    public static readonly ErrorCode RegistryBlobUnknown = new("TK1007", ErrorKind.Error, "Blob unknown to the registry");
    public static readonly ErrorCode RegistryDigestMismatch = new("TK1008", ErrorKind.Error, "Registry content does not match its digest");
    public static readonly ErrorCode RegistryTooManyRequests = new("TK1009", ErrorKind.Error, "Registry rate limit reached");
    public static readonly ErrorCode RegistryError = new("TK1010", ErrorKind.Error, "Registry request failed");
    public static readonly ErrorCode ManifestTooLarge = new("TK1011", ErrorKind.Error, "Manifest too large");
    public static readonly ErrorCode CredentialHelperFailed = new("TK1012", ErrorKind.Error, "Docker credential helper failed");
    public static readonly ErrorCode RegistryTlsFailure = new("TK1013", ErrorKind.Error, "TLS connection to the registry failed");
    public static readonly ErrorCode InvalidDockerConfig = new("TK1014", ErrorKind.InvalidInput, "Invalid docker config");
    public static readonly ErrorCode TokenServiceFailed = new("TK1015", ErrorKind.Error, "Registry token service failed");
    public static readonly ErrorCode InvalidCaFile = new("TK1016", ErrorKind.InvalidInput, "Invalid CA file");
    public static readonly ErrorCode ManifestBlobMissing = new("TK1017", ErrorKind.Error, "The registry refused a manifest whose blob it does not have");
    public static readonly ErrorCode EcrRepositoryMissing = new("TK3050", ErrorKind.Error, "The Amazon ECR repository does not exist");
    public static readonly ErrorCode EcrTagImmutable = new("TK3051", ErrorKind.Error, "The tag is immutable in the Amazon ECR repository");
    public static readonly ErrorCode EcrAuthorizationTokenInvalid = new("TK3052", ErrorKind.Error, "Invalid Amazon ECR authorization token");
    public static readonly ErrorCode InvalidCommandLine = new("TK2000", ErrorKind.InvalidInput, "Invalid command line");
    public static readonly ErrorCode InvalidReference = new("TK2001", ErrorKind.InvalidInput, "Invalid image reference");
    public static readonly ErrorCode InvalidDigest = new("TK2002", ErrorKind.InvalidInput, "Invalid digest");
    public static readonly ErrorCode InvalidLocation = new("TK2003", ErrorKind.InvalidInput, "Invalid image location");
    public static readonly ErrorCode LayerSourceMissing = new("TK2004", ErrorKind.InvalidInput, "Layer source folder not found");
    public static readonly ErrorCode BaseImageUnreadable = new("TK2005", ErrorKind.Error, "Base image cannot be read");
    public static readonly ErrorCode InvalidPlatform = new("TK2006", ErrorKind.InvalidInput, "Invalid platform");
    public static readonly ErrorCode InvalidImageConfig = new("TK2007", ErrorKind.InvalidInput, "Invalid image configuration value");
    public static readonly ErrorCode DigestMismatch = new("TK2008", ErrorKind.Error, "Content does not match its digest");
    public static readonly ErrorCode InvalidImageLayout = new("TK2009", ErrorKind.Error, "Invalid OCI image layout");
    public static readonly ErrorCode InvalidArchive = new("TK2010", ErrorKind.Error, "Invalid image archive");
    public static readonly ErrorCode ImageNotFound = new("TK2011", ErrorKind.Error, "Image not found at the location");
    public static readonly ErrorCode UnsafeArchiveEntry = new("TK2012", ErrorKind.Error, "Unsafe archive entry");
    public static readonly ErrorCode UnsupportedMediaType = new("TK2013", ErrorKind.Error, "Unsupported media type");
    public static readonly ErrorCode PlatformNotFound = new("TK2014", ErrorKind.InvalidInput, "Platform not found in the base image");
    public static readonly ErrorCode UnsupportedLocation = new("TK2015", ErrorKind.InvalidInput, "Location not supported for this operation");
    public static readonly ErrorCode InvalidManifest = new("TK2016", ErrorKind.Error, "Invalid manifest, index or config");
    public static readonly ErrorCode LayerSourceUnreadable = new("TK2017", ErrorKind.Error, "Layer source cannot be read");
    public static readonly ErrorCode OutputNotWritable = new("TK2018", ErrorKind.Error, "Output cannot be written");
    public static readonly ErrorCode InvalidOption = new("TK2019", ErrorKind.InvalidInput, "Invalid option value");
    public static readonly ErrorCode NotAnExecutableProject = new("TK2020", ErrorKind.InvalidInput, "The project does not produce an executable to put in an image");
    public static readonly ErrorCode ZstdLayerInDockerFormat = new("TK2100", ErrorKind.InvalidInput, "Docker schema 2 has no zstd layers");
    public static readonly ErrorCode NotExpressibleInDockerFormat = new("TK2101", ErrorKind.InvalidInput, "The image cannot be expressed in Docker schema 2");
    public static readonly ErrorCode ManifestListEntryWithoutPlatform = new("TK2102", ErrorKind.InvalidInput, "A Docker manifest list entry needs a platform");
    public static readonly ErrorCode ConversionLeftOut = new("TK2103", ErrorKind.Error, "Format conversion left out what the target format cannot hold (a warning)");
    public static readonly ErrorCode InvalidLayerPath = new("TK2030", ErrorKind.InvalidInput, "Invalid path in a layer");
    public static readonly ErrorCode AmbiguousImage = new("TK2050", ErrorKind.InvalidInput, "Several images at the location and none named");
    public static readonly ErrorCode BlobNotFound = new("TK2051", ErrorKind.Error, "Content missing from the location");
    public static readonly ErrorCode AwsRegionMissing = new("TK3000", ErrorKind.InvalidInput, "No AWS region configured");
    public static readonly ErrorCode AwsCredentialsNotFound = new("TK3001", ErrorKind.Error, "No AWS credentials found");
    public static readonly ErrorCode AwsCredentialsFailed = new("TK3002", ErrorKind.Error, "AWS credentials could not be obtained");
    public static readonly ErrorCode AwsProfileNotFound = new("TK3003", ErrorKind.InvalidInput, "AWS profile not found");
    public static readonly ErrorCode AwsInvalidEndpointUrl = new("TK3004", ErrorKind.InvalidInput, "Invalid AWS endpoint URL");
    public static readonly ErrorCode AwsEndpointUnresolvable = new("TK3005", ErrorKind.InvalidInput, "No AWS endpoint for the region and options");
    public static readonly ErrorCode AwsServiceError = new("TK3006", ErrorKind.Error, "AWS service returned an error");
    public static readonly ErrorCode AwsThrottled = new("TK3007", ErrorKind.Error, "AWS kept throttling the requests");
    public static readonly ErrorCode AwsServiceUnavailable = new("TK3008", ErrorKind.Error, "AWS service unavailable (5xx) after retries");
    public static readonly ErrorCode AwsUnreachable = new("TK3009", ErrorKind.Error, "AWS endpoint cannot be reached");
    public static readonly ErrorCode AwsTlsFailure = new("TK3010", ErrorKind.Error, "TLS connection to the AWS endpoint failed");
    public static readonly ErrorCode AwsCredentialsRejected = new("TK3011", ErrorKind.Error, "AWS rejected the credentials or signature");
    public static readonly ErrorCode AwsAccessDenied = new("TK3012", ErrorKind.Error, "AWS denied access");
    public static readonly ErrorCode AwsInvalidResponse = new("TK3013", ErrorKind.Error, "Invalid response from an AWS service");
    public static readonly ErrorCode AwsInvalidOption = new("TK3014", ErrorKind.InvalidInput, "Invalid AWS option");
    public static readonly ErrorCode AwsCredentialSourceUnavailable = new("TK3015", ErrorKind.Error, "AWS credential source unreachable or failing after retries");
    public static readonly ErrorCode AwsSsoLoginRequired = new("TK3016", ErrorKind.Error, "AWS IAM Identity Center (SSO) login needed");
    public static readonly ErrorCode EcrRequestFailed = new("TK3030", ErrorKind.Error, "Amazon ECR refused the request");
    public static readonly ErrorCode EcrRepositoryNotFound = new("TK3031", ErrorKind.Error, "Amazon ECR repository not found");
    public static readonly ErrorCode EcrRepositoryAlreadyExists = new("TK3032", ErrorKind.Error, "Amazon ECR repository already exists");
    public static readonly ErrorCode EcrRepositoryNotEmpty = new("TK3033", ErrorKind.Error, "Amazon ECR repository is not empty");
    public static readonly ErrorCode EcrImageNotFound = new("TK3034", ErrorKind.Error, "Image not found in the Amazon ECR repository");
    public static readonly ErrorCode EcrImageTagImmutable = new("TK3035", ErrorKind.Error, "The tag already names another image and the repository's tags are immutable");
    public static readonly ErrorCode EcrImageRejected = new("TK3036", ErrorKind.Error, "Amazon ECR rejected the image");
    public static readonly ErrorCode EcrLayerUploadFailed = new("TK3037", ErrorKind.Error, "Amazon ECR layer upload failed");
    public static readonly ErrorCode EcrLifecyclePolicyNotFound = new("TK3038", ErrorKind.Error, "The Amazon ECR repository has no lifecycle policy");
    public static readonly ErrorCode EcrPolicyNotFound = new("TK3039", ErrorKind.Error, "The Amazon ECR repository or registry has no permissions policy");
    public static readonly ErrorCode EcrScanNotFound = new("TK3040", ErrorKind.Error, "No Amazon ECR scan for the image");
    public static readonly ErrorCode EcrImageNotScannable = new("TK3041", ErrorKind.Error, "Amazon ECR cannot scan the image");
    public static readonly ErrorCode EcrLimitExceeded = new("TK3042", ErrorKind.Error, "Amazon ECR limit exceeded");
    public static readonly ErrorCode EcrKmsError = new("TK3043", ErrorKind.Error, "AWS KMS refused Amazon ECR's use of the key");
    public static readonly ErrorCode EcrInvalidRequest = new("TK3044", ErrorKind.InvalidInput, "Amazon ECR refused a parameter of the request");
    public static readonly ErrorCode EcrServerError = new("TK3045", ErrorKind.Error, "Amazon ECR failed on its side");
    public static readonly ErrorCode EcrUpstreamFailed = new("TK3046", ErrorKind.Error, "Amazon ECR pull-through cache upstream or secret failed");
    public static readonly ErrorCode EcrPaginationStuck = new("TK3048", ErrorKind.Error, "Amazon ECR pagination did not advance");
    public static readonly ErrorCode UnknownSbomFormat = new("TK5000", ErrorKind.InvalidInput, "Unknown SBOM format");
    public static readonly ErrorCode InvalidSbomSerialNumber = new("TK5001", ErrorKind.InvalidInput, "Invalid SBOM serial number");
    public static readonly ErrorCode ImageLayerUnreadable = new("TK5040", ErrorKind.Error, "An image layer is not a readable tar stream");
    public static readonly ErrorCode ImageLayerTooLarge = new("TK5041", ErrorKind.Error, "An image layer unpacks to more than the limit");
    public static readonly ErrorCode ImageTooManyEntries = new("TK5042", ErrorKind.Error, "An image has more layer entries than the limit");
    public static readonly ErrorCode UnsafeLayerEntrySkipped = new("TK5043", ErrorKind.Error, "A layer entry with an unsafe or overlong path was skipped (a warning)");
    public static readonly ErrorCode CatalogFileTooLarge = new("TK5044", ErrorKind.Error, "A package database or deps.json file is larger than the limit and was not read (a warning)");
    public static readonly ErrorCode ImageLinkUnresolved = new("TK5045", ErrorKind.Error, "A link in the image could not be followed (a warning)");
    public static readonly ErrorCode UnsupportedPackageDatabase = new("TK5046", ErrorKind.Error, "A package database format is not supported (a warning)");
    public static readonly ErrorCode InvalidPackageDatabase = new("TK5047", ErrorKind.Error, "A package database or deps.json file could not be read (a warning)");
    public static readonly ErrorCode NotAnImageManifest = new("TK5048", ErrorKind.InvalidInput, "The image to catalogue is not an image manifest");
    public static readonly ErrorCode UnsupportedLayerSkipped = new("TK5049", ErrorKind.Error, "A layer that is not a tar layer was not catalogued (a warning)");
    public static readonly ErrorCode SqliteUnavailable = new("TK5050", ErrorKind.Error, "SQLite cannot be loaded to read an rpm database (a warning)");
    public static readonly ErrorCode SbomNothingToDescribe = new("TK5070", ErrorKind.InvalidInput, "Nothing to describe in an SBOM");
    public static readonly ErrorCode SbomPlatformNotFound = new("TK5071", ErrorKind.InvalidInput, "The image has no such platform to describe");
    public static readonly ErrorCode UnsupportedSbomDocument = new("TK5072", ErrorKind.InvalidInput, "The file is not a CycloneDX or SPDX JSON document");
    public static readonly ErrorCode SbomNotAttachedToConvertedImage = new("TK5080", ErrorKind.Error, "The SBOM was not attached to a pushed image that the push converted (a warning)");
    public static readonly ErrorCode NuGetProjectNotRestored = new("TK5020", ErrorKind.InvalidInput, "The project has not been restored (no project.assets.json)");
    public static readonly ErrorCode NuGetAssetsFileInvalid = new("TK5021", ErrorKind.Error, "The project's assets file cannot be read");
    public static readonly ErrorCode NuGetRestoreFailed = new("TK5022", ErrorKind.InvalidInput, "The project's last restore failed");
    public static readonly ErrorCode NuGetProjectInputInvalid = new("TK5023", ErrorKind.InvalidInput, "No project, solution or folder of projects to catalog at the path");
    public static readonly ErrorCode NuGetSolutionInvalid = new("TK5024", ErrorKind.InvalidInput, "The solution file cannot be read");
    public static readonly ErrorCode NuGetTargetNotFound = new("TK5025", ErrorKind.InvalidInput, "The requested target framework or runtime was not restored");

    // Amazon ECR repository controls, registry replication and login.
    public static readonly ErrorCode InvalidRepositorySettings = new("TK3070", ErrorKind.InvalidInput, "Invalid Amazon ECR repository settings");
    public static readonly ErrorCode PolicyFileUnreadable = new("TK3071", ErrorKind.InvalidInput, "Policy file not found or unreadable");
    public static readonly ErrorCode PolicyJsonMalformed = new("TK3072", ErrorKind.InvalidInput, "A policy file is not well-formed JSON");
    public static readonly ErrorCode LifecyclePolicyInvalid = new("TK3073", ErrorKind.InvalidInput, "Invalid Amazon ECR lifecycle policy");
    public static readonly ErrorCode RepositoryPolicyInvalid = new("TK3074", ErrorKind.InvalidInput, "Invalid Amazon ECR repository policy");
    public static readonly ErrorCode RepositoryEncryptionDrift = new("TK3075", ErrorKind.Error, "The repository's encryption differs from the settings and cannot be changed");
    public static readonly ErrorCode RepositoryEncryptionNotVerified = new("TK3076", ErrorKind.Error, "The repository's KMS key could not be compared with the settings (a warning)");
    public static readonly ErrorCode InvalidReplicationSettings = new("TK3077", ErrorKind.InvalidInput, "Invalid Amazon ECR replication settings");
    public static readonly ErrorCode NotAnEcrRegistry = new("TK3078", ErrorKind.InvalidInput, "Not an Amazon ECR registry host");
    public static readonly ErrorCode DockerConfigNotWritten = new("TK3079", ErrorKind.Error, "The docker config could not be written");
    public static readonly ErrorCode DockerConfigEntryShadowed = new("TK3080", ErrorKind.Error, "A credential helper in the docker config takes precedence over the entry written (a warning)");
    public static readonly ErrorCode EcrRegionMismatch = new("TK3081", ErrorKind.InvalidInput, "The registry host's region differs from the region asked for");
    public static readonly ErrorCode EcrRegistryEndpointMissing = new("TK3082", ErrorKind.Error, "Amazon ECR named no registry endpoint");
    public static readonly ErrorCode EcrScanImageNotFound = new("TK3100", ErrorKind.Error, "The image to wait for is not in the Amazon ECR repository");
    public static readonly ErrorCode ScanWaitNotFinal = new("TK3101", ErrorKind.Error, "The scan findings of an image are not final (the scan failed, is unsupported or unavailable, or timed out)");
    public static readonly ErrorCode EcrScanImageReferenceInvalid = new("TK3102", ErrorKind.InvalidInput, "The image to wait for is not an Amazon ECR image reference with a tag or digest");

    // Scan gates: policy failures (exit code 3) and the allowlist, VEX and scan report files they read.
    public static readonly ErrorCode GateFailed = new("TK4000", ErrorKind.PolicyFailed, "The scan gate failed");
    public static readonly ErrorCode ScanUnavailable = new("TK4001", ErrorKind.PolicyFailed, "A scan has no final findings, so the gate fails closed");
    public static readonly ErrorCode ScanUnavailableWarning = new("TK4002", ErrorKind.Error, "A scan has no final findings and the policy lets the gate pass (a warning)");
    public static readonly ErrorCode AllowlistEntryExpired = new("TK4003", ErrorKind.Error, "An allowlist entry has expired and no longer suppresses its findings (a warning)");
    public static readonly ErrorCode InvalidGatePolicy = new("TK4004", ErrorKind.InvalidInput, "Invalid gate policy");
    public static readonly ErrorCode AllowlistUnreadable = new("TK4010", ErrorKind.InvalidInput, "Allowlist file not found or unreadable");
    public static readonly ErrorCode AllowlistMalformed = new("TK4011", ErrorKind.InvalidInput, "The allowlist file is not well-formed JSON or YAML");
    public static readonly ErrorCode AllowlistVersionUnsupported = new("TK4012", ErrorKind.InvalidInput, "Unsupported allowlist version");
    public static readonly ErrorCode AllowlistEntryInvalid = new("TK4013", ErrorKind.InvalidInput, "Invalid allowlist entry");
    public static readonly ErrorCode GatePolicyFileUnreadable = new("TK4014", ErrorKind.InvalidInput, "Gate policy file not found or unreadable");
    public static readonly ErrorCode GatePolicyFileMalformed = new("TK4015", ErrorKind.InvalidInput, "The gate policy file is not well-formed JSON or YAML");
    public static readonly ErrorCode GatePolicyFileVersionUnsupported = new("TK4016", ErrorKind.InvalidInput, "Unsupported gate policy file version");
    public static readonly ErrorCode GatePolicyFileInvalid = new("TK4017", ErrorKind.InvalidInput, "Invalid gate policy file member");
    public static readonly ErrorCode GateHasNoRule = new("TK4018", ErrorKind.InvalidInput, "The gate has no rule to apply");
    public static readonly ErrorCode GateHasNoInput = new("TK4019", ErrorKind.InvalidInput, "The gate has no scan results to evaluate");
    public static readonly ErrorCode VexUnreadable = new("TK4020", ErrorKind.InvalidInput, "VEX document not found or unreadable");
    public static readonly ErrorCode VexMalformed = new("TK4021", ErrorKind.InvalidInput, "The VEX document is not a valid OpenVEX document");
    public static readonly ErrorCode StepSummaryUnavailable = new("TK4022", ErrorKind.InvalidInput, "GITHUB_STEP_SUMMARY is not set");
    public static readonly ErrorCode StepSummaryNotWritten = new("TK4023", ErrorKind.Error, "The GitHub step summary could not be written");
    public static readonly ErrorCode ScanReportUnreadable = new("TK4030", ErrorKind.InvalidInput, "Scan report not found or unreadable");
    public static readonly ErrorCode ScanReportMalformed = new("TK4031", ErrorKind.InvalidInput, "The scan report is not a Trivy or Grype JSON report");
    public static readonly ErrorCode GateReportNotWritable = new("TK4040", ErrorKind.Error, "The gate report cannot be written");
    public static readonly ErrorCode InvalidGateReportOptions = new("TK4041", ErrorKind.InvalidInput, "Invalid gate report options");
    public static readonly ErrorCode ScanGateTargetHasNoInput = new("TK4050", ErrorKind.InvalidInput, "The MSBuild scan gate has no image or scan report to judge");

    /// <summary>Every code declared above, for documentation and the uniqueness test.</summary>
    public static IReadOnlyList<ErrorCode> All { get; } = typeof(ErrorCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(ErrorCode))
        .Select(f => (ErrorCode)f.GetValue(null)!)
        .ToArray();
}
