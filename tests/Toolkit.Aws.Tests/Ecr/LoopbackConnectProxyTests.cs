using System.Net;
using System.Net.Sockets;
using System.Text;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>The proxy tests use to reach ECR host names tunnels to its one loopback port and refuses everything else.</summary>
public sealed class LoopbackConnectProxyTests : IDisposable
{
    private const string Host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    private readonly TcpListener _target = new(IPAddress.Loopback, 0);
    private readonly LoopbackConnectProxy _proxy;

    public LoopbackConnectProxyTests()
    {
        _target.Start();
        _proxy = new LoopbackConnectProxy(((IPEndPoint)_target.LocalEndpoint).Port, Host);
    }

    public void Dispose()
    {
        _proxy.Dispose();
        _target.Stop();
    }

    private async Task<string> SendAsync(string head)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _proxy.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var buffer = new byte[1024];
        var read = await stream.ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    [Fact]
    public async Task CONNECT_to_the_configured_host_on_443_is_tunnelled_to_the_loopback_port()
    {
        // Given a server on the target port that writes a greeting
        var accepted = Task.Run(async () =>
        {
            using var server = await _target.AcceptTcpClientAsync();
            await server.GetStream().WriteAsync("hello from loopback"u8.ToArray());
            await Task.Delay(200);
        });

        // When a client asks to CONNECT to the ECR host and reads through the tunnel
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _proxy.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {Host}:443 HTTP/1.1\r\nHost: {Host}:443\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var status = await reader.ReadLineAsync();
        await reader.ReadLineAsync();
        var greeting = await reader.ReadLineAsync();
        await accepted;

        // Then
        Assert.Equal("HTTP/1.1 200 Connection Established", status);
        Assert.Equal("hello from loopback", greeting);
        Assert.Equal([$"{Host}:443"], _proxy.Tunnelled);
    }

    [Theory]
    [InlineData("CONNECT api.ecr.us-east-1.amazonaws.com:443 HTTP/1.1\r\n\r\n")] // another host
    [InlineData("CONNECT 123456789012.dkr.ecr.us-east-1.amazonaws.com:80 HTTP/1.1\r\n\r\n")] // another port
    [InlineData("CONNECT 123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example:443 HTTP/1.1\r\n\r\n")]
    [InlineData("GET http://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/ HTTP/1.1\r\n\r\n")] // plain proxying
    [InlineData("CONNECT 10.0.0.1:443 HTTP/1.1\r\n\r\n")]
    public async Task Anything_else_is_refused(string head)
    {
        // When
        var answer = await SendAsync(head);

        // Then it is refused, and nothing was tunnelled
        Assert.StartsWith("HTTP/1.1 403 Forbidden", answer, StringComparison.Ordinal);
        Assert.Single(_proxy.Refused);
        Assert.Empty(_proxy.Tunnelled);
    }
}
