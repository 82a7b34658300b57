using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Internal.Util;
using Toolkit.Core.Host;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>
/// Every case of both copies of the AWS SigV4 test suite (aws-c-auth's and botocore's), signed with AWSSDK.Core's
/// <see cref="AWS4Signer"/> as the clients sign: <see cref="AWS4Signer.SignRequest(Amazon.Runtime.Internal.IRequest, Amazon.Runtime.IClientConfig, RequestMetrics, string, string, DateTime)"/>
/// on the request the suite describes, with the suite's credentials, time, region and service.
/// </summary>
/// <remarks>
/// What the signer legitimately does differently, and how the tests account for it:
/// <list type="bullet">
/// <item>It always signs an <c>x-amz-content-sha256</c> header (the payload hash), which the suite includes only for
/// its <c>sign_body: true</c> cases. For the others the expected canonical request gets that header line (and name)
/// added, and string-to-sign and signature are checked by signing the suite's own canonical request with the
/// signer's <see cref="AWS4Signer.ComputeSignature(string, string, string, DateTime, string, string, string, RequestMetrics)"/>,
/// while the canonicalisation steps it composes are checked on the suite's canonical request without the header.</item>
/// <item>It does not remove dot segments from paths (<c>normalize: true</c> in <c>get-slash-dot-slash-normalized</c>):
/// AWS services receive the path as sent, and the toolkit's AWS JSON clients only ever send <c>/</c>.</item>
/// <item>Pre-signed query-string URLs (<c>query-*.txt</c>) are not compared: the toolkit never pre-signs.</item>
/// </list>
/// </remarks>
public sealed class SigV4TestSuiteTests
{
    private const string DefaultAccessKey = "AKIDEXAMPLE";
    private const string DefaultSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>Cases whose path the suite normalises and the signer does not (see the remarks).</summary>
    private static readonly HashSet<string> s_pathNormalisationCases = new(StringComparer.Ordinal)
    {
        "aws-c-auth-v4/get-slash-dot-slash-normalized",
        "botocore-aws4_testsuite/normalize-path/get-slash-dot-slash",
    };

    public static TheoryData<string> Cases()
    {
        var root = TestPaths.Spec("aws", "sigv4-testsuite");
        var data = new TheoryData<string>();
        foreach (var suite in new[] { "aws-c-auth-v4", "botocore-aws4_testsuite" })
        {
            var suiteRoot = Path.Combine(root, suite);
            foreach (var directory in Directory.EnumerateDirectories(suiteRoot, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var leaf = Path.GetFileName(directory);
                if (File.Exists(Path.Combine(directory, "request.txt")) || File.Exists(Path.Combine(directory, leaf + ".req")))
                {
                    data.Add($"{suite}/{Path.GetRelativePath(suiteRoot, directory).Replace('\\', '/')}");
                }
            }
        }

        return data;
    }

    [Fact]
    public void Both_copies_of_the_suite_are_there()
    {
        var cases = ((IEnumerable<object[]>)Cases()).Select(c => (string)c[0]).ToList();

        Assert.Equal(18, cases.Count(c => c.StartsWith("aws-c-auth-v4/", StringComparison.Ordinal)));
        Assert.Equal(18, cases.Count(c => c.StartsWith("botocore-aws4_testsuite/", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_signer_gives_the_suites_canonical_request_string_to_sign_and_authorization(string name)
    {
        // Given
        var testCase = SuiteCase.Load(name);
        var request = testCase.ToSdkRequest();
        var config = SigningConfig(testCase.Region, testCase.Service);
        var metrics = new RequestContext(true).Metrics;

        // The suite encodes a path once; for services other than S3 the signer encodes it twice (the SigV4 rule), which
        // only matters for paths with characters to escape. Those cases are signed as rule sets with
        // disableDoubleEncoding asks, and the double encoding is checked to change the path line alone.
        var escapes = request.ResourcePath != Uri.EscapeDataString(request.ResourcePath).Replace("%2F", "/", StringComparison.Ordinal);
        if (escapes)
        {
            var doubled = testCase.ToSdkRequest();
            var doubledMetrics = new RequestContext(true).Metrics;
            new AWS4Signer().SignRequest(doubled, config, doubledMetrics, testCase.AccessKey, testCase.SecretKey, testCase.Time);
            var doubledCanonical = WithoutContentHash(doubledMetrics.Properties[Amazon.Runtime.Metric.CanonicalRequest].Single().ToString()!).Split('\n');
            var suiteLines = testCase.CanonicalRequest.Split('\n');
            Assert.Equal(suiteLines[1].Replace("%", "%25", StringComparison.Ordinal), doubledCanonical[1]);
            Assert.Equal(suiteLines.Skip(2), doubledCanonical.Skip(2));
            request.UseDoubleEncoding = false;
        }

        // When: the path every client request takes
        var result = new AWS4Signer().SignRequest(request, config, metrics, testCase.AccessKey, testCase.SecretKey, testCase.Time);
        var canonicalRequest = metrics.Properties[Amazon.Runtime.Metric.CanonicalRequest].Single().ToString()!;
        var stringToSign = metrics.Properties[Amazon.Runtime.Metric.StringToSign].Single().ToString()!;

        // Then
        var expectedCanonical = testCase.CanonicalRequest;
        if (s_pathNormalisationCases.Contains(name))
        {
            Assert.Equal(testCase.CanonicalRequest.Replace("GET\n/\n", "GET\n/./\n", StringComparison.Ordinal), WithoutContentHash(canonicalRequest));
            return;
        }

        if (!testCase.SignsBody)
        {
            // The documented difference: the signer adds x-amz-content-sha256; everything else must be the suite's.
            Assert.Equal(expectedCanonical, WithoutContentHash(canonicalRequest));
            AssertSuiteSignature(testCase);
            return;
        }

        Assert.Equal(expectedCanonical, canonicalRequest);
        Assert.Equal(testCase.StringToSign, stringToSign);
        Assert.Equal(testCase.Authorization, result.ForAuthorizationHeader);
    }

    /// <summary>The suite's canonical request, signed by the signer's own string-to-sign and HMAC chain.</summary>
    private static void AssertSuiteSignature(SuiteCase testCase)
    {
        var metrics = new RequestContext(true).Metrics;
        var signedHeaders = testCase.CanonicalRequest.Split('\n')[^2];
        var result = AWS4Signer.ComputeSignature(testCase.AccessKey, testCase.SecretKey, testCase.Region, testCase.Time, testCase.Service, signedHeaders, testCase.CanonicalRequest, metrics);

        Assert.Equal(testCase.StringToSign, metrics.Properties[Amazon.Runtime.Metric.StringToSign].Single().ToString());
        Assert.Equal(testCase.Authorization, result.ForAuthorizationHeader);
    }

    /// <summary>Removes the x-amz-content-sha256 header line and name the signer adds for unsigned-body cases.</summary>
    private static string WithoutContentHash(string canonicalRequest)
    {
        var lines = canonicalRequest.Split('\n').ToList();
        lines.RemoveAll(l => l.StartsWith("x-amz-content-sha256:", StringComparison.Ordinal));
        lines[^2] = string.Join(';', lines[^2].Split(';').Where(h => h != "x-amz-content-sha256"));
        return string.Join('\n', lines);
    }

    private static Amazon.Runtime.ClientConfig SigningConfig(string region, string service)
    {
        var connection = AwsConnection.Resolve(new AwsConnectionOptions
        {
            Region = region,
            Credentials = new Amazon.Runtime.BasicAWSCredentials(DefaultAccessKey, DefaultSecretKey),
            Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
        });
        var config = new Runtime.AwsClientConfig(AwsServices.Ecr, connection, endpoint: null) { AuthenticationServiceName = service, AuthenticationRegion = region };
        return config;
    }

    private sealed record SuiteCase(
        string Name,
        string Method,
        string Target,
        List<(string Name, string Value)> Headers,
        byte[] Body,
        string AccessKey,
        string SecretKey,
        string? Token,
        string Region,
        string Service,
        DateTime Time,
        bool SignsBody,
        string CanonicalRequest,
        string StringToSign,
        string Authorization)
    {
        public static SuiteCase Load(string name)
        {
            var directory = TestPaths.Spec("aws", "sigv4-testsuite", name);
            var leaf = Path.GetFileName(directory);
            if (name.StartsWith("aws-c-auth-v4/", StringComparison.Ordinal))
            {
                using var context = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "context.json")));
                var root = context.RootElement;
                var credentials = root.GetProperty("credentials");
                var (method, target, headers, body) = Parse(File.ReadAllBytes(Path.Combine(directory, "request.txt")));
                var signed = File.ReadAllText(Path.Combine(directory, "header-signed-request.txt"));
                return new SuiteCase(
                    name, method, target, headers, body,
                    credentials.GetProperty("access_key_id").GetString()!,
                    credentials.GetProperty("secret_access_key").GetString()!,
                    credentials.TryGetProperty("token", out var token) ? token.GetString() : null,
                    root.GetProperty("region").GetString()!,
                    root.GetProperty("service").GetString()!,
                    DateTime.Parse(root.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                    root.GetProperty("sign_body").GetBoolean(),
                    File.ReadAllText(Path.Combine(directory, "header-canonical-request.txt")),
                    File.ReadAllText(Path.Combine(directory, "header-string-to-sign.txt")),
                    signed.Split('\n').Single(l => l.StartsWith("Authorization:", StringComparison.Ordinal))["Authorization:".Length..]);
            }

            // botocore's copy: credentials, region, service and time are the suite's documented defaults.
            var (m, t, h, b) = Parse(File.ReadAllBytes(Path.Combine(directory, leaf + ".req")));
            var creq = File.ReadAllText(Path.Combine(directory, leaf + ".creq")).Replace("\r\n", "\n", StringComparison.Ordinal);
            var date = h.First(x => x.Name.Equals("X-Amz-Date", StringComparison.OrdinalIgnoreCase)).Value;
            var sessionToken = creq.Split('\n').FirstOrDefault(l => l.StartsWith("x-amz-security-token:", StringComparison.Ordinal))?["x-amz-security-token:".Length..];
            if (sessionToken is not null && h.Any(x => x.Name.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase)))
            {
                sessionToken = null;
            }

            return new SuiteCase(
                name, m, t, h, b, DefaultAccessKey, DefaultSecretKey, sessionToken, "us-east-1", "service",
                DateTime.ParseExact(date, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                creq.Split('\n').Any(l => l.StartsWith("x-amz-content-sha256:", StringComparison.Ordinal)),
                creq,
                File.ReadAllText(Path.Combine(directory, leaf + ".sts")).Replace("\r\n", "\n", StringComparison.Ordinal),
                File.ReadAllText(Path.Combine(directory, leaf + ".authz")).Trim());
        }

        /// <summary>Reads <c>METHOD target HTTP/1.1</c>, headers (continuation lines folded, repeats joined with commas), a blank line, the body.</summary>
        private static (string Method, string Target, List<(string Name, string Value)> Headers, byte[] Body) Parse(byte[] raw)
        {
            var text = Encoding.UTF8.GetString(raw).Replace("\r\n", "\n", StringComparison.Ordinal);
            var split = text.IndexOf("\n\n", StringComparison.Ordinal);
            var head = split < 0 ? text : text[..split];
            var body = split < 0 ? [] : Encoding.UTF8.GetBytes(text[(split + 2)..]);
            var lines = head.Split('\n');
            var first = lines[0];
            var method = first[..first.IndexOf(' ', StringComparison.Ordinal)];
            var target = first[(method.Length + 1)..first.LastIndexOf(' ')];
            var headers = new List<(string Name, string Value)>();
            foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
            {
                if (char.IsWhiteSpace(line[0]))
                {
                    headers[^1] = (headers[^1].Name, headers[^1].Value + " " + line.Trim());
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers.Add((line[..colon], line[(colon + 1)..]));
            }

            return (method, target, headers, body);
        }

        public DefaultRequest ToSdkRequest()
        {
            var host = Headers.First(h => h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase)).Value;
            var question = Target.IndexOf('?', StringComparison.Ordinal);
            var path = question < 0 ? Target : Target[..question];
            var request = new DefaultRequest(new SigningRequest(), "service")
            {
                HttpMethod = Method,
                Endpoint = new Uri($"https://{host}"),
                ResourcePath = path,
                UseQueryString = true,
                Content = Body,
            };
            if (question >= 0)
            {
                foreach (var pair in Target[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
                    var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
                    request.Parameters.Add(key, value);
                }
            }

            foreach (var group in Headers.GroupBy(h => h.Name, StringComparer.OrdinalIgnoreCase))
            {
                request.Headers[group.Key] = string.Join(',', group.Select(h => h.Value.Trim()));
            }

            if (Token is not null)
            {
                // What AWSSDK.Core's Signer handler adds for session credentials before signing.
                request.Headers["x-amz-security-token"] = Token;
            }

            if (Body.Length == 0 && !SignsBody)
            {
                request.Content = [];
            }

            return request;
        }
    }

    private sealed class SigningRequest : Amazon.Runtime.AmazonWebServiceRequest;

    [Fact]
    public void An_unsigned_body_case_really_hashes_the_empty_body()
        => Assert.EndsWith(EmptyBodyHash, SuiteCase.Load("aws-c-auth-v4/get-vanilla").CanonicalRequest, StringComparison.Ordinal);
}
