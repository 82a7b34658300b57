using Toolkit.Aws.Endpoints;

namespace Toolkit.Aws;

/// <summary>
/// What a client needs to know about one AWS service, as its official model states it: the service id (which names
/// the <c>AWS_ENDPOINT_URL_&lt;ID&gt;</c> variable and the shared config's <c>services</c> key), the SigV4 signing
/// name, the API version, the JSON target prefix (AWS JSON protocols only) and the endpoint rule set.
/// </summary>
public sealed class AwsServiceDefinition
{
    public AwsServiceDefinition(string serviceId, string signingName, string apiVersion, string? jsonTargetPrefix, EndpointRuleSet endpointRules)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentException.ThrowIfNullOrEmpty(signingName);
        ArgumentException.ThrowIfNullOrEmpty(apiVersion);
        ArgumentNullException.ThrowIfNull(endpointRules);
        ServiceId = serviceId;
        SigningName = signingName;
        ApiVersion = apiVersion;
        JsonTargetPrefix = jsonTargetPrefix;
        EndpointRules = endpointRules;
    }

    /// <summary>The model's <c>serviceId</c>, e.g. <c>ECR</c>.</summary>
    public string ServiceId { get; }

    /// <summary>The SigV4 signing name, e.g. <c>ecr</c>.</summary>
    public string SigningName { get; }

    /// <summary>The model's <c>apiVersion</c>, e.g. <c>2015-09-21</c>.</summary>
    public string ApiVersion { get; }

    /// <summary>The model's <c>targetPrefix</c> for AWS JSON 1.0/1.1 services (the part before the dot in <c>X-Amz-Target</c>).</summary>
    public string? JsonTargetPrefix { get; }

    public EndpointRuleSet EndpointRules { get; }

    /// <summary>
    /// The service id as environment variables spell it: spaces become underscores, all upper case
    /// (<c>AWS_ENDPOINT_URL_&lt;this&gt;</c>).
    /// </summary>
    public string EnvironmentName => ServiceId.Replace(' ', '_').ToUpperInvariant();

    /// <summary>The service's own endpoint variable, e.g. <c>AWS_ENDPOINT_URL_ECR</c>.</summary>
    public string EndpointUrlVariable => Runtime.ConfiguredEndpoints.EnvironmentVariableFor(ServiceId);

    /// <summary>The service id as the shared config file's <c>services</c> sections spell it: spaces become underscores, all lower case.</summary>
    public string ConfigName => ServiceId.Replace(' ', '_').ToLowerInvariant();
}

/// <summary>The services the toolkit calls, each with the official endpoint rule set it ships.</summary>
public static class AwsServices
{
    /// <summary>The embedded copy of the ECR rule set (byte-identical to the official <c>ecr/2015-09-21/endpoint-rule-set-1.json</c>).</summary>
    public const string EcrEndpointRuleSetResource = "Toolkit.Aws.Endpoints.RuleSets.ecr.2015-09-21.endpoint-rule-set-1.json";

    private static readonly Lazy<AwsServiceDefinition> s_ecr = new(() => new AwsServiceDefinition(
        serviceId: "ECR",
        signingName: "ecr",
        apiVersion: "2015-09-21",
        jsonTargetPrefix: "AmazonEC2ContainerRegistry_V20150921",
        endpointRules: EndpointRuleSet.FromEmbeddedResource(EcrEndpointRuleSetResource)));

    /// <summary>Amazon Elastic Container Registry (AWS JSON 1.1, <c>AmazonEC2ContainerRegistry_V20150921.&lt;Operation&gt;</c>).</summary>
    public static AwsServiceDefinition Ecr => s_ecr.Value;
}
