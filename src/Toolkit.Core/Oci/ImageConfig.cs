using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toolkit.Core.Oci;

/// <summary>
/// The image configuration (OCI image config, also Docker's). Fields we do not model are kept in
/// <see cref="Extra"/>, so editing a base image's config never drops what another tool wrote.
/// </summary>
public sealed record ImageConfig
{
    [JsonPropertyName("created")]
    public string? Created { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("architecture")]
    public string Architecture { get; init; } = "amd64";

    [JsonPropertyName("os")]
    public string Os { get; init; } = "linux";

    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    [JsonPropertyName("config")]
    public ContainerConfig? Config { get; init; }

    [JsonPropertyName("rootfs")]
    public RootFs RootFs { get; init; } = new();

    [JsonPropertyName("history")]
    public IReadOnlyList<HistoryEntry>? History { get; init; }

    // set, not init: System.Text.Json cannot fill init-only extension data ("cannot bind with a parameter").
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    [JsonIgnore]
    public Platform Platform => new(Os, Architecture) { Variant = Variant, OsVersion = OsVersion, OsFeatures = OsFeatures };

    public bool Equals(ImageConfig? other)
        => other is not null && Created == other.Created && Author == other.Author && Architecture == other.Architecture
           && Os == other.Os && OsVersion == other.OsVersion && OciEquality.Lists(OsFeatures, other.OsFeatures)
           && Variant == other.Variant && Equals(Config, other.Config) && RootFs.Equals(other.RootFs)
           && OciEquality.Lists(History, other.History) && OciEquality.Extra(Extra, other.Extra);

    public override int GetHashCode() => HashCode.Combine(Created, Architecture, Os, Variant, Config, RootFs, OciEquality.Count(History));
}

/// <summary>The execution parameters of a container (the <c>config</c> object of an image config).</summary>
public sealed record ContainerConfig
{
    [JsonPropertyName("User")]
    public string? User { get; init; }

    [JsonPropertyName("ExposedPorts")]
    public SortedDictionary<string, EmptyObject>? ExposedPorts { get; init; }

    [JsonPropertyName("Env")]
    public IReadOnlyList<string>? Env { get; init; }

    [JsonPropertyName("Entrypoint")]
    public IReadOnlyList<string>? Entrypoint { get; init; }

    [JsonPropertyName("Cmd")]
    public IReadOnlyList<string>? Cmd { get; init; }

    [JsonPropertyName("Volumes")]
    public SortedDictionary<string, EmptyObject>? Volumes { get; init; }

    [JsonPropertyName("WorkingDir")]
    public string? WorkingDir { get; init; }

    [JsonPropertyName("Labels")]
    public SortedDictionary<string, string>? Labels { get; init; }

    [JsonPropertyName("StopSignal")]
    public string? StopSignal { get; init; }

    // set, not init: System.Text.Json cannot fill init-only extension data ("cannot bind with a parameter").
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    public bool Equals(ContainerConfig? other)
        => other is not null && User == other.User && OciEquality.Maps(ExposedPorts, other.ExposedPorts)
           && OciEquality.Lists(Env, other.Env) && OciEquality.Lists(Entrypoint, other.Entrypoint)
           && OciEquality.Lists(Cmd, other.Cmd) && OciEquality.Maps(Volumes, other.Volumes)
           && WorkingDir == other.WorkingDir && OciEquality.Maps(Labels, other.Labels)
           && StopSignal == other.StopSignal && OciEquality.Extra(Extra, other.Extra);

    public override int GetHashCode()
        => HashCode.Combine(User, WorkingDir, StopSignal, OciEquality.Count(Env), OciEquality.Count(Cmd), OciEquality.Count(Entrypoint));
}

/// <summary>The <c>rootfs</c> of an image config: the uncompressed digests of the layers, in order.</summary>
public sealed record RootFs
{
    [JsonPropertyName("type")]
    public string Type { get; init; } = "layers";

    [JsonPropertyName("diff_ids")]
    public IReadOnlyList<Digest> DiffIds { get; init; } = [];

    public bool Equals(RootFs? other) => other is not null && Type == other.Type && OciEquality.Lists(DiffIds, other.DiffIds);

    public override int GetHashCode() => HashCode.Combine(Type, DiffIds.Count > 0 ? DiffIds[0] : null, DiffIds.Count);
}

/// <summary>One entry of an image's history.</summary>
public sealed record HistoryEntry
{
    [JsonPropertyName("created")]
    public string? Created { get; init; }

    [JsonPropertyName("created_by")]
    public string? CreatedBy { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("comment")]
    public string? Comment { get; init; }

    [JsonPropertyName("empty_layer")]
    public bool? EmptyLayer { get; init; }
}

/// <summary>The empty JSON object used as a set member (<c>"80/tcp": {}</c>).</summary>
public sealed record EmptyObject
{
    public static EmptyObject Instance { get; } = new();
}
