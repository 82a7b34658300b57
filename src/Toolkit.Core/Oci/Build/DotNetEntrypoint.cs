namespace Toolkit.Core.Oci.Build;

/// <summary>
/// The entrypoint of a published .NET app, as the SDK's container support chooses it: the app host
/// when the publish folder has one, else <c>dotnet &lt;app&gt;.dll</c>.
/// </summary>
public static class DotNetEntrypoint
{
    public static IReadOnlyList<string> Resolve(string publishDirectory, string assemblyName, string appDirectoryInImage, bool useAppHost = true)
    {
        ArgumentNullException.ThrowIfNull(assemblyName);
        ArgumentNullException.ThrowIfNull(appDirectoryInImage);
        var appDirectory = appDirectoryInImage.TrimEnd('/');
        if (useAppHost && File.Exists(Path.Combine(publishDirectory, assemblyName)))
        {
            return [$"{appDirectory}/{assemblyName}"];
        }

        return ["dotnet", $"{appDirectory}/{assemblyName}.dll"];
    }
}
