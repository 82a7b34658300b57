using Amazon.Runtime;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>TLS to AWS endpoints: extra roots from a CA file, and nothing older than TLS 1.2.</summary>
public sealed class AwsTlsTests
{
    private static TestJsonClient ClientFor(string endpointUrl, string? caFile, int maxAttempts = 3)
        => new(AwsConnection.Resolve(new AwsConnectionOptions
        {
            Region = "us-east-1",
            EndpointUrl = endpointUrl,
            CaFile = caFile,
            MaxAttempts = maxAttempts,
            Credentials = new BasicAWSCredentials("AKIDTLSTESTS", "tls-secret"),
            Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
        }));

    [Fact]
    public async Task A_certificate_from_a_ca_only_the_ca_file_names_is_trusted_with_it_and_refused_without()
    {
        // Given
        using var directory = new TemporaryDirectory();
        var certificates = TestCertificates.CreateServerCertificates(directory.Path);
        using var server = new HttpsStub(certificates);

        // When
        using var withoutCa = ClientFor(server.Url, caFile: null);
        var refused = await Assert.ThrowsAsync<ToolkitException>(() => withoutCa.CallEmptyAsync("DescribeRegistry"));
        var handshakesWithoutCa = server.Connections;
        using var withCa = ClientFor(server.Url, certificates.CaFile);
        await withCa.CallEmptyAsync("DescribeRegistry");

        // Then
        Assert.Equal(ErrorCodes.AwsTlsFailure, refused.ErrorCode);
        Assert.Contains("--ca-file", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, handshakesWithoutCa);
        var request = Assert.Single(server.Requests);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDTLSTESTS/", request["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ca_file_does_not_excuse_a_host_name_that_does_not_match()
    {
        // Given: the certificate names 127.0.0.1, ::1 and localhost, not 127.0.0.2 (also loopback on Linux).
        using var directory = new TemporaryDirectory();
        var certificates = TestCertificates.CreateServerCertificates(directory.Path);
        using var server = new HttpsStub(certificates, address: "127.0.0.2");
        using var client = ClientFor(server.Url, certificates.CaFile);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(ErrorCodes.AwsTlsFailure, exception.ErrorCode);
        Assert.Equal(1, server.Connections);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task The_client_hello_offers_nothing_older_than_tls_1_2()
    {
        // Given: a server that reads the first TLS record and hangs up. (Left to the platform, .NET on OpenSSL offers
        // TLS 1.3, 1.2, 1.1 and 1.0 in supported_versions.)
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var hello = Task.Run(async () =>
        {
            using var connection = await listener.AcceptTcpClientAsync();
            var stream = connection.GetStream();
            var header = new byte[5];
            await stream.ReadExactlyAsync(header);
            var record = new byte[(header[3] << 8) | header[4]];
            await stream.ReadExactlyAsync(record);
            return (header, record);
        });
        using var client = ClientFor($"https://127.0.0.1:{port}", caFile: null, maxAttempts: 1);

        // When
        await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));
        var (recordHeader, clientHello) = await hello.WaitAsync(TimeSpan.FromSeconds(10));

        // Then
        Assert.Equal(0x16, recordHeader[0]);
        Assert.Equal(0x01, clientHello[0]);
        Assert.Equal([0x0304, 0x0303], SupportedVersions(clientHello).Order().Reverse().ToArray());
    }

    /// <summary>The versions of a ClientHello's supported_versions extension (RFC 8446 4.2.1).</summary>
    private static List<int> SupportedVersions(byte[] hello)
    {
        var at = 4 + 2 + 32;
        at += 1 + hello[at];
        at += 2 + ((hello[at] << 8) | hello[at + 1]);
        at += 1 + hello[at];
        var end = at + 2 + ((hello[at] << 8) | hello[at + 1]);
        at += 2;
        while (at + 4 <= end)
        {
            var type = (hello[at] << 8) | hello[at + 1];
            var length = (hello[at + 2] << 8) | hello[at + 3];
            if (type == 0x002b)
            {
                var versions = new List<int>();
                for (var i = at + 5; i < at + 5 + hello[at + 4]; i += 2)
                {
                    versions.Add((hello[i] << 8) | hello[i + 1]);
                }

                return versions;
            }

            at += 4 + length;
        }

        throw new InvalidOperationException("The ClientHello has no supported_versions extension.");
    }

    [Fact]
    public async Task A_server_that_offers_only_tls_1_1_is_refused()
    {
        // Given: OpenSSL 3 allows TLS 1.0/1.1 only at security level 0, which .NET cannot set in-process; openssl's own
        // server can, and its client proves that server completes a TLS 1.1 handshake with the test CA. (OpenSSL's
        // default security level would also stop an in-process client from agreeing to TLS 1.1; the test above shows
        // the toolkit does not even offer it.)
        using var directory = new TemporaryDirectory();
        var certificates = TestCertificates.CreateServerCertificates(directory.Path);
        var port = FreePort();
        using var server = ExternalTool.Start("openssl",
        [
            "s_server", "-accept", $"127.0.0.1:{port}", "-cert", certificates.CertificateFile, "-key", certificates.KeyFile,
            "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", "-www", "-quiet",
        ]);
        try
        {
            await WaitForPortAsync(port, server);
            var control = await ExternalTool.RunAsync("openssl",
            [
                "s_client", "-connect", $"127.0.0.1:{port}", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0",
                "-CAfile", certificates.CaFile, "-verify_return_error", "-brief",
            ], standardInput: Array.Empty<byte>());
            Assert.True(control.ExitCode == 0, $"openssl s_client could not complete TLS 1.1 with the server:\n{control.StandardError}{control.StandardOutput}");
            Assert.Contains("TLSv1.1", control.StandardError + control.StandardOutput, StringComparison.Ordinal);
            using var client = ClientFor($"https://127.0.0.1:{port}", certificates.CaFile, maxAttempts: 1);

            // When
            var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

            // Then
            Assert.Equal(ErrorCodes.AwsTlsFailure, exception.ErrorCode);
            Assert.Contains("TLS 1.2 or later", exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, System.Diagnostics.Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"openssl s_server exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"openssl s_server did not listen on 127.0.0.1:{port} within 10 s.");
    }
}
