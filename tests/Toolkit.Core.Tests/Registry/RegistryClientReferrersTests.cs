using System.Net;
using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;

namespace Toolkit.Core.Tests.Registry;

/// <summary>What the client makes of Referrers API answers and <c>OCI-Subject</c> that the local registry never gives.</summary>
public sealed class RegistryClientReferrersTests
{
    private static readonly Digest s_subject = Digest.Compute("subject"u8);

    private static (RegistryClient Client, StubHttpHandler Stub, RegistryClientFactory Factory) Client(Func<HttpRequestMessage, int, HttpResponseMessage> respond)
    {
        var stub = new StubHttpHandler(respond);
        var factory = new RegistryClientFactory(new RegistryClientOptions { MaxRetryAttempts = 1 }, stub);
        return (factory.CreateClient("registry.example"), stub, factory);
    }

    private static HttpResponseMessage Json(string body, string mediaType = MediaTypes.OciIndex)
        => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    private static string Entry(string artifactType, string content)
        => $$"""{"mediaType":"{{MediaTypes.OciManifest}}","artifactType":"{{artifactType}}","digest":"{{Digest.Compute(Encoding.UTF8.GetBytes(content))}}","size":10}""";

    [Fact]
    public async Task A_registry_that_claims_to_have_filtered_but_did_not_is_filtered_here()
    {
        // Given a registry that says it applied the filter but sends every referrer
        var (client, stub, factory) = Client((_, _) =>
        {
            var response = Json($$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{Entry("application/spdx+json", "a")}},{{Entry("application/vnd.cncf.notary.signature", "b")}}]}""");
            response.Headers.Add("OCI-Filters-Applied", "artifactType");
            return response;
        });
        using var _f = factory;

        // When signatures are asked for
        var answer = await client.GetReferrersAsync("team/app", s_subject, "application/vnd.cncf.notary.signature", CancellationToken.None);

        // Then only the signature is returned, the request carried the filter, and the registry's claim is reported
        Assert.Equal("application/vnd.cncf.notary.signature", Assert.Single(answer!.Manifests).ArtifactType);
        Assert.True(answer.FilteredByRegistry);
        var request = Assert.Single(stub.Requests);
        Assert.Equal($"/v2/team/app/referrers/{s_subject}", request.Uri.AbsolutePath);
        Assert.Equal("?artifactType=application%2Fvnd.cncf.notary.signature", request.Uri.Query);
        Assert.Contains(MediaTypes.OciIndex, request.Accept, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<html>not found, but 200</html>", "text/html")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}""", "application/json")]
    public async Task An_answer_that_is_not_an_image_index_is_TK1102(string body, string mediaType)
    {
        // Given
        var (client, _, factory) = Client((_, _) => Json(body, mediaType));
        using var _f = factory;

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.GetReferrersAsync("team/app", s_subject, null, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.ReferrersResponseInvalid, error.ErrorCode);
        Assert.Contains("registry.example", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_are_followed_until_the_limit_and_then_refused()
    {
        // Given a registry whose every page links to another
        var (client, stub, factory) = Client((request, call) =>
        {
            var response = Json($$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{Entry("a/b", call.ToString(System.Globalization.CultureInfo.InvariantCulture))}}]}""");
            response.Headers.Add("Link", $"</v2/team/app/referrers/{s_subject}?last={call}>; rel=\"next\"");
            return response;
        });
        using var _f = factory;

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.GetReferrersAsync("team/app", s_subject, null, CancellationToken.None));

        // Then it read 100 pages and stopped
        Assert.Equal(ErrorCodes.ReferrersResponseInvalid, error.ErrorCode);
        Assert.Equal(100, stub.Calls);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_manifest_put_reports_the_OCI_Subject_the_registry_answered(bool answered)
    {
        // Given a registry that does or does not answer OCI-Subject
        var content = Encoding.UTF8.GetBytes("{}");
        var descriptor = Descriptor.For(MediaTypes.OciManifest, content);
        var (client, _, factory) = Client((_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.Created);
            response.Headers.Add("Docker-Content-Digest", descriptor.Digest.ToString());
            if (answered)
            {
                response.Headers.Add("OCI-Subject", s_subject.ToString());
            }

            return response;
        });
        using var _f = factory;

        // When
        var result = await client.PutManifestAsync("team/app", descriptor.Digest.ToString(), descriptor, content, CancellationToken.None);

        // Then
        Assert.Equal(answered ? s_subject : null, result.Subject);
    }
}
