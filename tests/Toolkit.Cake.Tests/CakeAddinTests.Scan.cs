using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Cake.Tests;

public sealed partial class CakeAddinTests
{
    [Fact]
    public async Task A_script_waits_for_an_ECR_scan_and_a_failed_gate_ends_dotnet_cake_with_exit_code_3_and_the_findings()
    {
        // Given an image in the ECR emulator whose scan on push finds a CRITICAL vulnerability, and a script that waits for it
        // and gates on CRITICAL
        using var emulator = new EcrEmulator();
        var digest = await emulator.PutScannedImageAsync("payments/api", "1.0.0", EcrFindingsSeed.DebianDotNetApp);
        var feed = package.Feed;
        var scriptDirectory = Path.Combine(feed.Root, "scan-script");
        Directory.CreateDirectory(scriptDirectory);
        feed.WriteNuGetConfig(scriptDirectory);
        var reference = $"{emulator.RegistryHost}/payments/api:1.0.0";
        var script = Path.Combine(scriptDirectory, "build.cake");
        File.WriteAllText(script, $$"""
            #addin nuget:file://{{feed.FeedDirectory}}?package=Toolkit.Cake&version={{feed.Version}}&loaddependencies=true

            var scans = ToolkitScanWait("{{reference}}", new ToolkitScanWaitSettings { Timeout = TimeSpan.FromMinutes(2) });
            foreach (var scan in scans)
            {
                Information("Scanned {0} {1}: {2} findings", scan.ImageDigest, scan.Outcome, scan.Findings.Count);
            }

            ToolkitScanGate(new ToolkitScanGateSettings
            {
                Images = { "{{reference}}" },
                FailOn = "CRITICAL",
                MarkdownReport = "scan-gate.md",
            });
            Information("not reached");
            """);
        await DotNet.RunAsync(["tool", "restore"], TestPaths.RepositoryRoot, feed.PackagesDirectory).ContinueWith(t => t.Result.EnsureSuccess(), TaskScheduler.Default);

        // When dotnet cake runs it
        using var timeout = new CancellationTokenSource(CakeTimeout);
        var cake = await DotNet.RunAsync(
            ["cake", script],
            TestPaths.RepositoryRoot,
            feed.PackagesDirectory,
            EmulatorEnvironment(emulator, scriptDirectory),
            timeout.Token);

        // Then the wait saw the final findings, and the gate ended the run with the gate's exit code and its findings
        var output = cake.StandardOutput + cake.StandardError;
        Assert.True(cake.ExitCode == 3, $"dotnet cake exited with {cake.ExitCode}:{Environment.NewLine}{output}");
        Assert.Contains($"Scanned {digest} Complete: ", cake.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("TK4000: The scan gate failed: 1 finding(s) at or above CRITICAL", output, StringComparison.Ordinal);
        Assert.Contains("CVE-2023-45853 (zlib ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not reached", output, StringComparison.Ordinal);
        Assert.Contains(emulator.Requests, r => r.Operation == "DescribeImageScanFindings");
        emulator.AssertNoModelViolations();
    }

    /// <summary>What a script run against the ECR emulator sees: its credentials, region and endpoint, and no AWS files of the machine.</summary>
    private static Dictionary<string, string> EmulatorEnvironment(EcrEmulator emulator, string scriptDirectory) => new()
    {
        ["NO_COLOR"] = "1",
        ["AWS_ACCESS_KEY_ID"] = EcrEmulator.DefaultCredentials.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = EcrEmulator.DefaultCredentials.SecretAccessKey,
        ["AWS_REGION"] = emulator.Region,
        ["AWS_ENDPOINT_URL_ECR"] = emulator.Endpoint.ToString(),
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_CONFIG_FILE"] = Path.Combine(scriptDirectory, "no-aws-config"),
        ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(scriptDirectory, "no-aws-credentials"),
    };
}
