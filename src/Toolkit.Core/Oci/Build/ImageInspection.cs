namespace Toolkit.Core.Oci.Build;

/// <summary>What an image is: its root (manifest or index) and, per platform, manifest, config and layers.</summary>
public sealed record ImageInspection(
    string Location,
    Descriptor Root,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyList<PlatformInspection> Platforms);

/// <summary>One platform's image within an inspection.</summary>
public sealed record PlatformInspection(
    Platform Platform,
    Descriptor Manifest,
    Descriptor Config,
    ImageConfig ConfigDocument,
    IReadOnlyList<Descriptor> Layers,
    IReadOnlyDictionary<string, string> Annotations);
