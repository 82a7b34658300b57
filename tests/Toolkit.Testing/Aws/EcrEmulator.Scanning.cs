using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Toolkit.Testing.Aws;

/// <summary>Image scanning: scan on push, StartImageScan, DescribeImageScanFindings and the registry's scanning configuration.</summary>
public sealed partial class EcrEmulator
{
    private const string InProgressDescription = "The scan is in progress.";
    private string _scanType = "BASIC";
    private List<(string Frequency, List<string> Filters)> _scanRules = [];

    /// <summary>What a scan shows at one moment.</summary>
    private sealed record ScanSnapshot(
        string Status,
        string Description,
        bool Enhanced,
        DateTimeOffset CompletedAt,
        DateTimeOffset SourceUpdatedAt,
        IReadOnlyList<EcrVulnerability>? Findings)
    {
        public JsonObject StatusJson() => new() { ["status"] = Status, ["description"] = Description };
    }

    private void StartScanOnPush(RepositoryState repository, ImageState image)
    {
        if (!image.IsScannable)
        {
            return;
        }

        bool scan;
        var continuous = false;
        var matching = _scanRules.Where(r => r.Filters.Any(f => WildcardMatches(f, repository.Name))).Select(r => r.Frequency).ToList();
        if (_scanType == "ENHANCED")
        {
            continuous = matching.Contains("CONTINUOUS_SCAN");
            scan = continuous || matching.Contains("SCAN_ON_PUSH");
        }
        else
        {
            scan = repository.ScanOnPush || matching.Contains("SCAN_ON_PUSH");
        }

        if (!scan)
        {
            return;
        }

        var now = TimeProvider.GetUtcNow();
        var visible = now + Scenario.ScanNotFoundAfterPush;
        var pendingUntil = _scanType == "ENHANCED" ? visible + Scenario.EnhancedPendingDuration : visible;
        var completes = pendingUntil + Scenario.ScanDelay;
        image.Scan = new ScanState
        {
            StartedAt = now,
            VisibleAt = visible,
            PendingUntil = pendingUntil,
            CompletesAt = completes,
            FindingsVisibleAt = completes + Scenario.FindingsDelayAfterComplete,
            Enhanced = _scanType == "ENHANCED",
            Continuous = continuous,
        };
    }

    /// <summary>The scan of an image as clients see it now, or null while there is none (never scanned, or still in the not-found window).</summary>
    private ScanSnapshot? ScanView(RepositoryState repository, ImageState image, DateTimeOffset now)
    {
        if (image.Scan is not { } scan || now < scan.VisibleAt)
        {
            return null;
        }

        if (now < scan.PendingUntil)
        {
            return new ScanSnapshot("PENDING", "The scan is pending.", scan.Enhanced, scan.CompletesAt, scan.CompletesAt, null);
        }

        if (now < scan.CompletesAt)
        {
            return new ScanSnapshot("IN_PROGRESS", InProgressDescription, scan.Enhanced, scan.CompletesAt, scan.CompletesAt, null);
        }

        var seed = _seeds.GetValueOrDefault((repository.Name, image.Digest)) ?? EcrFindingsSeed.None;
        var completedAt = TruncateToMilliseconds(scan.CompletesAt);
        var sourceUpdatedAt = TruncateToMilliseconds(seed.VulnerabilitySourceUpdatedAt ?? scan.CompletesAt);
        return seed.Outcome switch
        {
            EcrScanOutcome.Failed => new ScanSnapshot("FAILED", "The scan failed.", scan.Enhanced, completedAt, sourceUpdatedAt, null),
            EcrScanOutcome.UnsupportedImage => new ScanSnapshot(
                "UNSUPPORTED_IMAGE", "UnsupportedImageError: The operating system and/or package manager are not supported.", scan.Enhanced, completedAt, sourceUpdatedAt, null),
            EcrScanOutcome.FindingsUnavailable => new ScanSnapshot(
                "FINDINGS_UNAVAILABLE", "Findings are unavailable for this image.", scan.Enhanced, completedAt, sourceUpdatedAt, null),
            EcrScanOutcome.ScanEligibilityExpired => new ScanSnapshot(
                "SCAN_ELIGIBILITY_EXPIRED", "The image is no longer eligible for continuous scanning.", scan.Enhanced, completedAt, sourceUpdatedAt, null),
            EcrScanOutcome.LimitExceeded => new ScanSnapshot(
                "LIMIT_EXCEEDED", "The scan limit for this account has been exceeded.", scan.Enhanced, completedAt, sourceUpdatedAt, null),
            EcrScanOutcome.ImageArchived => new ScanSnapshot(
                "IMAGE_ARCHIVED", "The image is archived and cannot be scanned.", scan.Enhanced, completedAt, sourceUpdatedAt, null),
            _ => new ScanSnapshot(
                scan.Continuous ? "ACTIVE" : "COMPLETE",
                scan.Continuous ? "Continuous scan is selected for image." : "The scan was completed successfully.",
                scan.Enhanced,
                completedAt,
                sourceUpdatedAt,
                now < scan.FindingsVisibleAt ? [] : [.. seed.Vulnerabilities.Where(v => scan.Enhanced || v.IsOperatingSystemVulnerability)]),
        };
    }

    private JsonObject StartImageScan(OperationContext context)
    {
        lock (_lock)
        {
            var repository = Repository(context);
            var imageId = context.Element("imageId")!.Value;
            var image = FindImage(repository, imageId) ?? throw ImageNotFound(repository, imageId);
            if (_scanType == "ENHANCED")
            {
                // The service refuses manual scans while Amazon Inspector scans the registry; its exact wording is not documented.
                throw new EcrServiceException("ValidationException", "StartImageScan starts basic scans only; the registry is configured for enhanced scanning.");
            }

            if (!image.IsScannable)
            {
                throw new EcrServiceException("UnsupportedImageTypeException", $"The image with digest '{image.Digest}' is not an image manifest that can be scanned.");
            }

            var now = TimeProvider.GetUtcNow();
            // A scan on push that never became visible does not count against the daily quota.
            if (image.Scan is { } previous && now >= previous.VisibleAt && now - previous.StartedAt < Scenario.ScanQuotaWindow)
            {
                throw new EcrServiceException("LimitExceededException", "The scan quota per image has been exceeded. Wait and try again.");
            }

            var completes = now + Scenario.ScanDelay;
            image.Scan = new ScanState
            {
                StartedAt = now,
                VisibleAt = now,
                PendingUntil = now,
                CompletesAt = completes,
                FindingsVisibleAt = completes + Scenario.FindingsDelayAfterComplete,
                Enhanced = false,
                Continuous = false,
            };
            return new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["imageId"] = ImageIdJson(image.Digest, imageId.TryGetProperty("imageTag", out var tag) ? tag.GetString() : null),
                ["imageScanStatus"] = new JsonObject { ["status"] = "IN_PROGRESS", ["description"] = InProgressDescription },
            };
        }
    }

    private JsonObject DescribeImageScanFindings(OperationContext context)
    {
        lock (_lock)
        {
            var repository = Repository(context);
            var imageId = context.Element("imageId")!.Value;
            var image = FindImage(repository, imageId) ?? throw ImageNotFound(repository, imageId);
            var scan = ScanView(repository, image, TimeProvider.GetUtcNow())
                ?? throw new EcrServiceException(
                    "ScanNotFoundException",
                    $"Image scan does not exist for the image with '{DescribeImageId(imageId)}' in the repository with name '{repository.Name}' in the registry with id '{AccountId}'");
            var result = new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["imageId"] = ImageIdJson(image.Digest, imageId.TryGetProperty("imageTag", out var tag) ? tag.GetString() : null),
                ["imageScanStatus"] = scan.StatusJson(),
            };
            if (scan.Findings is not { } findings)
            {
                return result;
            }

            var scope = $"{repository.Name}|{image.Digest}|{(scan.Enhanced ? "enhanced" : "basic")}";
            var findingsJson = new JsonObject();
            if (!Scenario.CompletedAtOnlyWithFindings || image.Scan!.FindingsVisibleAt <= TimeProvider.GetUtcNow())
            {
                findingsJson["imageScanCompletedAt"] = Epoch(scan.CompletedAt);
            }

            findingsJson["vulnerabilitySourceUpdatedAt"] = Epoch(scan.SourceUpdatedAt);
            findingsJson["findingSeverityCounts"] = SeverityCounts(findings, scan.Enhanced);
            string? next;
            if (scan.Enhanced)
            {
                var all = findings.SelectMany(v => EnhancedFindingJson(repository, image, v, scan)).ToList();
                (var page, next) = Paginate(all, context, scope);
                findingsJson["enhancedFindings"] = new JsonArray([.. page]);
            }
            else
            {
                var all = findings.SelectMany(BasicFindingJson).ToList();
                (var page, next) = Paginate(all, context, scope);
                findingsJson["findings"] = new JsonArray([.. page]);
            }

            result["imageScanFindings"] = findingsJson;
            if (next is not null)
            {
                result["nextToken"] = next;
            }

            return result;
        }
    }

    private static JsonObject SeverityCounts(IReadOnlyList<EcrVulnerability> findings, bool enhanced)
    {
        var counts = new JsonObject();
        var rendered = enhanced
            ? findings.Select(v => v.Severity)
            : findings.SelectMany(v => v.Packages.GroupBy(p => p.SourcePackage ?? p.Name).Select(_ => v.Severity));
        foreach (var group in rendered.Select(FindingSeverity).GroupBy(s => s).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            counts[group.Key] = group.Count();
        }

        return counts;
    }

    /// <summary>A severity as <c>FindingSeverity</c> spells it (Inspector's <c>UNTRIAGED</c> and anything unknown count as <c>UNDEFINED</c>).</summary>
    private static string FindingSeverity(string severity)
        => severity.ToUpperInvariant() is var upper && upper is "INFORMATIONAL" or "LOW" or "MEDIUM" or "HIGH" or "CRITICAL" ? upper : "UNDEFINED";

    /// <summary>Basic findings: one per vulnerability and source package, with the package and CVSS as attributes.</summary>
    private static IEnumerable<JsonNode> BasicFindingJson(EcrVulnerability vulnerability)
    {
        foreach (var package in vulnerability.Packages.GroupBy(p => p.SourcePackage ?? p.Name).Select(g => g.First()))
        {
            var attributes = new JsonArray
            {
                new JsonObject { ["key"] = "package_version", ["value"] = package.FullVersion },
                new JsonObject { ["key"] = "package_name", ["value"] = package.SourcePackage ?? package.Name },
            };
            if (vulnerability.CvssVector is { } vector && vulnerability.CvssScore is { } score)
            {
                var prefix = vulnerability.CvssVersion.StartsWith('2') ? "CVSS2" : "CVSS3";
                attributes.Add(new JsonObject { ["key"] = $"{prefix}_VECTOR", ["value"] = vector });
                attributes.Add(new JsonObject { ["key"] = $"{prefix}_SCORE", ["value"] = score.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) });
            }

            yield return new JsonObject
            {
                ["name"] = vulnerability.Id,
                ["description"] = vulnerability.Description,
                ["uri"] = vulnerability.SourceUrl ?? $"https://nvd.nist.gov/vuln/detail/{vulnerability.Id}",
                ["severity"] = FindingSeverity(vulnerability.Severity),
                ["attributes"] = attributes,
            };
        }
    }

    /// <summary>An Amazon Inspector finding for the image, as ECR passes it on with enhanced scanning.</summary>
    private IEnumerable<JsonNode> EnhancedFindingJson(RepositoryState repository, ImageState image, EcrVulnerability vulnerability, ScanSnapshot scan)
    {
        var packages = new JsonArray();
        foreach (var package in vulnerability.Packages)
        {
            var json = new JsonObject();
            if (package.Arch is not null)
            {
                json["arch"] = package.Arch;
            }

            if (package.Epoch is { } epoch)
            {
                json["epoch"] = epoch;
            }

            if (package.FilePath is not null)
            {
                json["filePath"] = package.FilePath;
            }

            json["name"] = package.Name;
            json["packageManager"] = package.PackageManager;
            if (package.Release is not null)
            {
                json["release"] = package.Release;
            }

            if (image.LayerDigests.Count > 0)
            {
                json["sourceLayerHash"] = package.PackageManager == "OS" ? image.LayerDigests[0] : image.LayerDigests[^1];
            }

            json["version"] = package.Version;
            json["fixedInVersion"] = package.FixedInVersion;
            packages.Add(json);
        }

        var fixedCount = vulnerability.Packages.Count(p => p.FixedInVersion != "NotAvailable");
        var fixAvailable = vulnerability.FixAvailable ?? (fixedCount == 0 ? "NO" : fixedCount == vulnerability.Packages.Count ? "YES" : "PARTIAL");
        var details = new JsonObject();
        if (vulnerability.CvssScore is { } score && vulnerability.CvssVector is { } vector)
        {
            details["cvss"] = new JsonArray(new JsonObject
            {
                ["baseScore"] = score,
                ["scoringVector"] = vector,
                ["source"] = vulnerability.CvssSource,
                ["version"] = vulnerability.CvssVersion,
            });
        }

        details["referenceUrls"] = new JsonArray([.. vulnerability.ReferenceUrls.Select(u => (JsonNode)u)]);
        details["relatedVulnerabilities"] = new JsonArray([.. vulnerability.RelatedVulnerabilities.Select(u => (JsonNode)u)]);
        details["source"] = vulnerability.Source;
        if (vulnerability.SourceUrl is not null)
        {
            details["sourceUrl"] = vulnerability.SourceUrl;
        }

        if (vulnerability.VendorCreatedAt is { } vendorCreatedAt)
        {
            details["vendorCreatedAt"] = Epoch(vendorCreatedAt);
        }

        details["vendorSeverity"] = vulnerability.VendorSeverity ?? vulnerability.Severity;
        details["vulnerabilityId"] = vulnerability.Id;
        details["vulnerablePackages"] = packages;

        var container = new JsonObject
        {
            ["architecture"] = "amd64",
            ["imageHash"] = image.Digest,
        };
        if (image.Tags.Count > 0)
        {
            container["imageTags"] = new JsonArray([.. image.Tags.Select(t => (JsonNode)t)]);
        }

        container["pushedAt"] = Epoch(image.PushedAt);
        container["registry"] = AccountId;
        container["repositoryName"] = repository.Name;

        var findingId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{repository.Name}|{image.Digest}|{vulnerability.Id}")))[..32];
        var finding = new JsonObject
        {
            ["awsAccountId"] = AccountId,
            ["description"] = vulnerability.Description,
            ["findingArn"] = $"arn:{Partition}:inspector2:{Region}:{AccountId}:finding/{findingId}",
            ["firstObservedAt"] = Epoch(scan.CompletedAt),
            ["lastObservedAt"] = Epoch(scan.CompletedAt),
            ["packageVulnerabilityDetails"] = details,
            ["remediation"] = new JsonObject { ["recommendation"] = new JsonObject { ["text"] = vulnerability.RemediationText } },
            ["resources"] = new JsonArray(new JsonObject
            {
                ["details"] = new JsonObject { ["awsEcrContainerImage"] = container },
                ["id"] = $"{RepositoryArn(repository.Name)}/{image.Digest}",
                ["type"] = "AWS_ECR_CONTAINER_IMAGE",
            }),
        };
        if (vulnerability.CvssScore is { } findingScore)
        {
            finding["score"] = findingScore;
            finding["scoreDetails"] = new JsonObject
            {
                ["cvss"] = new JsonObject
                {
                    ["adjustments"] = new JsonArray(),
                    ["score"] = findingScore,
                    ["scoreSource"] = vulnerability.CvssSource,
                    ["scoringVector"] = vulnerability.CvssVector,
                    ["version"] = vulnerability.CvssVersion,
                },
            };
        }

        finding["severity"] = vulnerability.Severity;
        finding["status"] = "ACTIVE";
        finding["title"] = vulnerability.Title ?? $"{vulnerability.Id} - {string.Join(", ", vulnerability.Packages.Select(p => p.Name))}";
        finding["type"] = "PACKAGE_VULNERABILITY";
        finding["updatedAt"] = Epoch(scan.CompletedAt);
        finding["fixAvailable"] = fixAvailable;
        finding["exploitAvailable"] = vulnerability.ExploitAvailable;
        yield return finding;
    }

    private JsonObject GetRegistryScanningConfiguration(OperationContext context)
    {
        lock (_lock)
        {
            return new JsonObject { ["registryId"] = AccountId, ["scanningConfiguration"] = ScanningConfigurationJson() };
        }
    }

    private JsonObject PutRegistryScanningConfiguration(OperationContext context)
    {
        var scanType = context.String("scanType") ?? "BASIC";
        var rules = new List<(string Frequency, List<string> Filters)>();
        if (context.Element("rules") is { } list)
        {
            foreach (var rule in list.EnumerateArray())
            {
                var frequency = rule.GetProperty("scanFrequency").GetString()!;
                var allowed = scanType == "ENHANCED" ? frequency is "SCAN_ON_PUSH" or "CONTINUOUS_SCAN" : frequency is "SCAN_ON_PUSH" or "MANUAL";
                if (!allowed)
                {
                    throw new EcrServiceException(
                        "InvalidParameterException",
                        $"Invalid parameter at 'rules' failed to satisfy constraint: 'scanFrequency {frequency} is not supported for {scanType} scanning'");
                }

                rules.Add((frequency, [.. rule.GetProperty("repositoryFilters").EnumerateArray().Select(f => f.GetProperty("filter").GetString()!)]));
            }
        }

        lock (_lock)
        {
            _scanType = scanType;
            _scanRules = rules;
            return new JsonObject { ["registryScanningConfiguration"] = ScanningConfigurationJson() };
        }
    }

    private JsonObject ScanningConfigurationJson() => new()
    {
        ["scanType"] = _scanType,
        ["rules"] = new JsonArray([.. _scanRules.Select(r => (JsonNode)new JsonObject
        {
            ["scanFrequency"] = r.Frequency,
            ["repositoryFilters"] = new JsonArray([.. r.Filters.Select(f => (JsonNode)new JsonObject { ["filter"] = f, ["filterType"] = "WILDCARD" })]),
        })]),
    };
}
