using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>
/// The emulators' SigV4 verifier against both copies of the AWS SigV4 test suite (aws-c-auth's and botocore's): for
/// every header-signed case it rebuilds the expected canonical request and string to sign, accepts the expected
/// Authorization, and refuses the same request once tampered with. Then the failure answers an AWS JSON service gives.
/// </summary>
public sealed class SigV4VerifierTests
{
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private static readonly SigV4Credentials SuiteCredentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var suiteCase in SuiteCase.All())
        {
            data.Add(suiteCase.Name);
        }

        return data;
    }

    [Fact]
    public void Both_copies_of_the_suite_are_there_with_their_header_signed_cases()
    {
        var cases = SuiteCase.All().ToList();
        Assert.Equal(18, cases.Count(c => c.Name.StartsWith("aws-c-auth-v4/", StringComparison.Ordinal)));
        Assert.Equal(18, cases.Count(c => c.Name.StartsWith("botocore-aws4_testsuite/", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_canonical_request_and_string_to_sign_are_the_suites(string name)
    {
        // Given a signed request of the suite
        var suiteCase = SuiteCase.Load(name);
        var request = SigV4Request.Parse(suiteCase.SignedRequest);

        // When the verifier checks it at the suite's time
        var verification = suiteCase.Verifier().Verify(request);

        // Then it rebuilt exactly the suite's canonical request and string to sign, and accepted the signature
        Assert.Equal(suiteCase.CanonicalRequest, verification.CanonicalRequest);
        Assert.Equal(suiteCase.StringToSign, verification.StringToSign);
        Assert.True(verification.IsValid, verification.Detail);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_tampered_signature_is_refused_as_InvalidSignatureException(string name)
    {
        // Given a suite request whose signature has one hex digit changed
        var suiteCase = SuiteCase.Load(name);
        var authorization = suiteCase.Authorization;
        var last = authorization[^1];
        var tampered = suiteCase.SignedRequest.Replace(authorization, authorization[..^1] + (last == '0' ? '1' : '0'), StringComparison.Ordinal);

        // When it is verified
        var verification = suiteCase.Verifier().Verify(SigV4Request.Parse(tampered));

        // Then it is refused
        Assert.False(verification.IsValid);
        Assert.Equal("InvalidSignatureException", verification.ErrorCode);
        Assert.StartsWith(SigV4Verifier.MismatchMessage + "\n\nThe Canonical String for this request should have been\n", verification.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_request_changed_after_signing_is_refused(string name)
    {
        // Given a suite request sent to another host than the one it was signed for (every case signs Host)
        var suiteCase = SuiteCase.Load(name);
        var tampered = suiteCase.SignedRequest.Replace("Host:example.amazonaws.com", "Host:example.amazonaws.org", StringComparison.Ordinal);
        Assert.NotEqual(suiteCase.SignedRequest, tampered);

        // When it is verified
        var verification = suiteCase.Verifier().Verify(SigV4Request.Parse(tampered));

        // Then the signature no longer matches
        Assert.False(verification.IsValid);
        Assert.Equal("InvalidSignatureException", verification.ErrorCode);
    }

    [Theory]
    [InlineData("aws-c-auth-v4/post-x-www-form-urlencoded")]
    [InlineData("botocore-aws4_testsuite/post-x-www-form-urlencoded-parameters")]
    public void A_body_changed_after_signing_is_refused(string name)
    {
        // Given a suite request that signs its body, with the body changed
        var suiteCase = SuiteCase.Load(name);
        var tampered = suiteCase.SignedRequest.Replace("Param1=value1", "Param1=value2", StringComparison.Ordinal);

        // When it is verified
        var verification = suiteCase.Verifier().Verify(SigV4Request.Parse(tampered));

        // Then it is refused (by x-amz-content-sha256 where sent, by the signature otherwise)
        Assert.False(verification.IsValid);
        Assert.Equal("InvalidSignatureException", verification.ErrorCode);
    }

    [Fact]
    public void A_wrong_secret_is_refused_as_a_signature_mismatch()
    {
        var suiteCase = SuiteCase.Load("aws-c-auth-v4/get-vanilla");
        var verifier = new SigV4Verifier("us-east-1", "service", new FakeTimeProvider(SuiteTime));
        verifier.AddCredentials(SuiteCredentials with { SecretAccessKey = "not-the-secret" });

        var verification = verifier.Verify(SigV4Request.Parse(suiteCase.SignedRequest));

        Assert.Equal("InvalidSignatureException", verification.ErrorCode);
        Assert.StartsWith(SigV4Verifier.MismatchMessage + "\n\nThe Canonical String for this request should have been\n", verification.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_access_key_is_UnrecognizedClientException()
    {
        var suiteCase = SuiteCase.Load("aws-c-auth-v4/get-vanilla");
        var verifier = new SigV4Verifier("us-east-1", "service", new FakeTimeProvider(SuiteTime));

        var verification = verifier.Verify(SigV4Request.Parse(suiteCase.SignedRequest));

        Assert.Equal("UnrecognizedClientException", verification.ErrorCode);
        Assert.Equal("The security token included in the request is invalid.", verification.Message);
    }

    [Fact]
    public void Temporary_credentials_need_their_session_token()
    {
        // Given the session-token case, verified by a verifier that issued another token for the key
        var suiteCase = SuiteCase.Load("aws-c-auth-v4/get-vanilla-with-session-token");
        var verifier = new SigV4Verifier("us-east-1", "service", new FakeTimeProvider(SuiteTime));
        verifier.AddCredentials(SuiteCredentials with { SessionToken = "another-token" });

        // When verified, or sent without the token at all
        var wrongToken = verifier.Verify(SigV4Request.Parse(suiteCase.SignedRequest));
        var withoutToken = verifier.Verify(SigV4Request.Parse(SuiteCase.Load("aws-c-auth-v4/get-vanilla").SignedRequest));

        // Then both are unrecognised clients
        Assert.Equal("UnrecognizedClientException", wrongToken.ErrorCode);
        Assert.Equal("UnrecognizedClientException", withoutToken.ErrorCode);
    }

    [Theory]
    [InlineData(-16, "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)")]
    [InlineData(16, "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + 15 min.)")]
    [InlineData(-15, null)]
    [InlineData(15, null)]
    public void X_Amz_Date_must_be_within_15_minutes_of_the_clock(int minutesAgo, string? message)
    {
        // Given a clock some minutes after (or before) the request was signed
        var suiteCase = SuiteCase.Load("aws-c-auth-v4/get-vanilla");
        var verifier = new SigV4Verifier("us-east-1", "service", new FakeTimeProvider(SuiteTime.AddMinutes(-minutesAgo)));
        verifier.AddCredentials(SuiteCredentials);

        // When verified
        var verification = verifier.Verify(SigV4Request.Parse(suiteCase.SignedRequest));

        // Then it passes within 15 minutes and is InvalidSignatureException with the service's message outside
        Assert.Equal(message is null, verification.IsValid);
        Assert.Equal(message, verification.Message);
        Assert.Equal(message is null ? null : "InvalidSignatureException", verification.ErrorCode);
    }

    [Theory]
    [InlineData("us-west-2", "service", "Credential should be scoped to a valid region, not 'us-east-1'. ")]
    [InlineData("us-east-1", "ecr", "Credential should be scoped to correct service: 'ecr'. ")]
    public void The_credential_scope_must_name_the_verifiers_region_and_service(string region, string service, string message)
    {
        var suiteCase = SuiteCase.Load("aws-c-auth-v4/get-vanilla");
        var verifier = new SigV4Verifier(region, service, new FakeTimeProvider(SuiteTime));
        verifier.AddCredentials(SuiteCredentials);

        var verification = verifier.Verify(SigV4Request.Parse(suiteCase.SignedRequest));

        Assert.Equal("InvalidSignatureException", verification.ErrorCode);
        Assert.Equal(message, verification.Message);
    }

    [Fact]
    public void A_scope_date_other_than_the_requests_is_refused()
    {
        var suiteCase = SuiteCase.Load("aws-c-auth-v4/get-vanilla");
        var request = suiteCase.SignedRequest.Replace("AKIDEXAMPLE/20150830/", "AKIDEXAMPLE/20150831/", StringComparison.Ordinal);

        var verification = suiteCase.Verifier().Verify(SigV4Request.Parse(request));

        Assert.Equal("InvalidSignatureException", verification.ErrorCode);
        Assert.StartsWith("Date in Credential scope does not match YYYYMMDD", verification.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_Authorization_is_a_missing_token_and_a_partial_one_an_incomplete_signature()
    {
        var suiteCase = SuiteCase.Load("aws-c-auth-v4/get-vanilla");
        var verifier = suiteCase.Verifier();

        var missing = verifier.Verify(SigV4Request.Parse(suiteCase.UnsignedRequest));
        var partial = verifier.Verify(SigV4Request.Parse(suiteCase.SignedRequest.Replace(", SignedHeaders=host;x-amz-date", string.Empty, StringComparison.Ordinal)));

        Assert.Equal("MissingAuthenticationTokenException", missing.ErrorCode);
        Assert.Equal("IncompleteSignatureException", partial.ErrorCode);
        Assert.StartsWith("Authorization header requires 'SignedHeaders' parameter.", partial.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void What_the_verifier_signs_itself_verifies_and_the_secret_never_shows_in_the_credentials_text()
    {
        // Given a request signed by the test signer
        var time = new FakeTimeProvider(SuiteTime);
        var credentials = new SigV4Credentials("AKIDTEST", "secret-value", "token-value");
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Host", "127.0.0.1:1"),
            new("X-Amz-Date", SigV4Verifier.FormatAmzDate(time.GetUtcNow())),
            new("X-Amz-Security-Token", "token-value"),
            new("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"),
        };
        var unsigned = new SigV4Request("POST", "/", headers, "{}"u8.ToArray());
        var authorization = SigV4Verifier.Authorization(unsigned, credentials, "us-east-1", "ecr", ["host", "x-amz-date", "x-amz-security-token", "x-amz-target"]);
        var verifier = new SigV4Verifier("us-east-1", "ecr", time);
        verifier.AddCredentials(credentials);

        // When verified
        var verification = verifier.Verify(unsigned with { Headers = [.. headers, new("Authorization", authorization)] });

        // Then it passes
        Assert.True(verification.IsValid, verification.Detail);
        Assert.DoesNotContain("secret-value", credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("token-value", credentials.ToString(), StringComparison.Ordinal);
    }

    /// <summary>One header-signed case of either copy of the suite.</summary>
    private sealed record SuiteCase(
        string Name,
        string UnsignedRequest,
        string SignedRequest,
        string CanonicalRequest,
        string StringToSign,
        SigV4Credentials Credentials,
        string Region,
        string Service,
        DateTimeOffset Time,
        bool Normalize)
    {
        private static string Root => TestPaths.Spec("aws", "sigv4-testsuite");

        public string Authorization => SignedRequest.Split('\n').Single(l => l.StartsWith("Authorization:", StringComparison.Ordinal))["Authorization:".Length..].Trim();

        public static IEnumerable<SuiteCase> All()
        {
            foreach (var directory in Directory.GetDirectories(Path.Combine(Root, "aws-c-auth-v4")).Order(StringComparer.Ordinal))
            {
                yield return Load("aws-c-auth-v4/" + Path.GetFileName(directory));
            }

            var botocore = Path.Combine(Root, "botocore-aws4_testsuite");
            foreach (var signed in Directory.GetFiles(botocore, "*.sreq", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(botocore, Path.GetDirectoryName(signed)!).Replace('\\', '/');
                yield return Load("botocore-aws4_testsuite/" + relative);
            }
        }

        public static SuiteCase Load(string name)
        {
            var directory = Path.Combine(Root, name);
            if (name.StartsWith("aws-c-auth-v4/", StringComparison.Ordinal))
            {
                using var context = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "context.json")));
                var root = context.RootElement;
                var credentials = root.GetProperty("credentials");
                return new SuiteCase(
                    name,
                    Read(directory, "request.txt"),
                    Read(directory, "header-signed-request.txt"),
                    Read(directory, "header-canonical-request.txt"),
                    Read(directory, "header-string-to-sign.txt"),
                    new SigV4Credentials(
                        credentials.GetProperty("access_key_id").GetString()!,
                        credentials.GetProperty("secret_access_key").GetString()!,
                        credentials.TryGetProperty("token", out var token) ? token.GetString() : null),
                    root.GetProperty("region").GetString()!,
                    root.GetProperty("service").GetString()!,
                    DateTimeOffset.Parse(root.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture),
                    root.GetProperty("normalize").GetBoolean());
            }

            // botocore's copy has no context: its README fixes the key, region, service and time for every case. The
            // expected Authorization is the .authz file: in get-vanilla-with-session-token the .sreq carries get-vanilla's
            // signature instead (the suite's own erratum), so the signed request is the .sreq with the .authz put in.
            var file = Path.GetFileName(directory);
            var signedLines = Read(directory, file + ".sreq").Split('\n');
            var authorizationLine = Array.FindIndex(signedLines, l => l.StartsWith("Authorization:", StringComparison.Ordinal));
            signedLines[authorizationLine] = "Authorization: " + Read(directory, file + ".authz").Trim();
            var signed = string.Join('\n', signedLines);
            var sessionToken = SigV4Request.Parse(signed).Header("X-Amz-Security-Token")?.Trim();
            return new SuiteCase(
                name,
                Read(directory, file + ".req"),
                signed,
                Read(directory, file + ".creq"),
                Read(directory, file + ".sts"),
                SuiteCredentials with { SessionToken = sessionToken },
                "us-east-1",
                "service",
                SuiteTime,
                Normalize: true);
        }

        public SigV4Verifier Verifier()
        {
            var verifier = new SigV4Verifier(Region, Service, new FakeTimeProvider(Time)) { NormalizePath = Normalize };
            verifier.AddCredentials(Credentials);
            return verifier;
        }

        private static string Read(string directory, string file) => File.ReadAllText(Path.Combine(directory, file), Encoding.UTF8);
    }
}
