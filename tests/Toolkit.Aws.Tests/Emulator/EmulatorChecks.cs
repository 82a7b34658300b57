using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>What every independent-client test checks, and the test images they push.</summary>
internal static class EmulatorChecks
{
    /// <summary>The emulator's answers all fit the model, and every request was SigV4-verified with the expected key.</summary>
    public static void AssertHealthy(EcrEmulator emulator, string? accessKeyId = null)
    {
        emulator.AssertNoModelViolations();
        Assert.NotEmpty(emulator.Requests);
        foreach (var request in emulator.Requests.Where(r => r.ErrorCode is not ("UnrecognizedClientException" or "InvalidSignatureException" or "IncompleteSignatureException" or "MissingAuthenticationTokenException")))
        {
            Assert.Equal(accessKeyId ?? EcrEmulator.DefaultCredentials.AccessKeyId, request.AccessKeyId);
            Assert.Equal(EcrEmulator.ContentType, request.ContentType);
            Assert.True(Guid.TryParse(request.RequestId, out _));
        }
    }

    /// <summary>
    /// A client's rendering of an operation's output fits the operation's output shape. <paramref name="clientMembers"/>
    /// are members the client adds itself (the AWS CLI's <c>NextToken</c> when it stops early).
    /// </summary>
    public static void AssertFitsOutputShape(string operation, JsonElement output, params string[] clientMembers)
    {
        var violations = AwsServiceModel.Ecr.Validate(AwsServiceModel.Ecr.Operations[operation].OutputShape!, output, clientMembers);
        Assert.True(violations.Count == 0, $"{operation} output breaks the model: {string.Join("; ", violations)}");
    }

    /// <summary>An OCI image manifest with a config and <paramref name="layers"/> layers of made-up content.</summary>
    public static (string Text, string Digest) ImageManifest(string seed, int layers = 2)
    {
        var layerArray = new JsonArray();
        for (var i = 0; i < layers; i++)
        {
            layerArray.Add(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip",
                ["digest"] = Sha256($"{seed}-layer-{i}"),
                ["size"] = 1000 + i,
            });
        }

        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = Sha256($"{seed}-config"), ["size"] = 512 },
            ["layers"] = layerArray,
        };
        var text = manifest.ToJsonString();
        return (text, Sha256(text));
    }

    /// <summary>An artifact manifest (an SBOM) that refers to <paramref name="subjectDigest"/>.</summary>
    public static (string Text, string Digest) ReferrerManifest(string subjectDigest, long subjectSize, string artifactType)
    {
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["artifactType"] = artifactType,
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.empty.v1+json", ["digest"] = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", ["size"] = 2 },
            ["layers"] = new JsonArray(new JsonObject { ["mediaType"] = artifactType, ["digest"] = Sha256("sbom " + subjectDigest), ["size"] = 321 }),
            ["subject"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = subjectDigest, ["size"] = subjectSize },
            ["annotations"] = new JsonObject { ["org.opencontainers.image.created"] = "2025-01-02T03:04:05Z" },
        };
        var text = manifest.ToJsonString();
        return (text, Sha256(text));
    }

    public static string Sha256(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>A lifecycle policy that keeps the last 30 release images and expires untagged ones after 14 days.</summary>
    public const string LifecyclePolicy = """
        {
          "rules": [
            {
              "rulePriority": 1,
              "description": "Expire untagged images after 14 days",
              "selection": { "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14 },
              "action": { "type": "expire" }
            },
            {
              "rulePriority": 2,
              "description": "Keep the last 30 release images",
              "selection": { "tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 30 },
              "action": { "type": "expire" }
            }
          ]
        }
        """;

    /// <summary>A repository policy that lets another account pull.</summary>
    public const string RepositoryPolicy = """
        {"Version":"2012-10-17","Statement":[{"Sid":"AllowPull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]}]}
        """;

    /// <summary>True when two JSON texts are the same document (member order and white space aside).</summary>
    public static bool SameJson(string left, string right)
        => JsonNode.DeepEquals(JsonNode.Parse(left), JsonNode.Parse(right));
}
