namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// Every entry a layer will hold, decided from the folders before any content is read, and the options
/// it will be written with. See <see cref="LayerBuilder.Plan"/>; <see cref="LayerCache.KeyOfAsync"/>
/// names the layer it will write.
/// </summary>
public sealed class LayerPlan
{
    internal LayerPlan(IReadOnlyList<LayerEntry> entries, LayerOptions options)
    {
        Entries = entries;
        Options = options;
    }

    internal IReadOnlyList<LayerEntry> Entries { get; }

    public LayerOptions Options { get; }

    public int EntryCount => Entries.Count;
}
