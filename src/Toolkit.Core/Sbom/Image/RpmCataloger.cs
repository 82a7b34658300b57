using System.Globalization;
using Microsoft.Data.Sqlite;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// rpm packages from the SQLite rpm database (<c>rpmdb.sqlite</c>, rpm 4.16 and later) at
/// <c>/usr/lib/sysimage/rpm</c> or <c>/var/lib/rpm</c>: each row of the <c>Packages</c> table is an rpm header (see
/// <see cref="RpmHeader"/>). SQLite needs a file, so the database (and its write-ahead log, when the image has one)
/// is copied from memory to a private temporary folder, opened there and deleted; nothing else of the image touches
/// the disk. BerkeleyDB (<c>Packages</c>) and NDB (<c>Packages.db</c>) databases are recognised and reported as not
/// supported (TK5046). purl: <c>pkg:rpm/&lt;ID&gt;/&lt;name&gt;@&lt;version&gt;-&lt;release&gt;?arch=..&amp;distro=..&amp;epoch=..</c>
/// (the namespace is the os-release ID, else the vendor; qualifiers in canonical, sorted order).
/// </summary>
internal static class RpmCataloger
{
    private const int RpmSenseRpmLib = 1 << 24;

    private static readonly string[] Directories = ["usr/lib/sysimage/rpm", "var/lib/rpm"];

    public static IReadOnlyList<string> DatabasePaths { get; } =
        [.. Directories.SelectMany(d => new[] { d + "/rpmdb.sqlite", d + "/rpmdb.sqlite-wal" })];

    public static IReadOnlyList<string> UnsupportedDatabasePaths { get; } =
        [.. Directories.SelectMany(d => new[] { d + "/Packages", d + "/Packages.db" })];

    public static async Task CatalogAsync(ImageFiles files, OsRelease? os, CatalogBuilder builder, CancellationToken cancellationToken)
    {
        ImageFile? database = null;
        foreach (var directory in Directories)
        {
            if (files.Find(directory + "/rpmdb.sqlite") is { } found)
            {
                // /var/lib/rpm is often a link to /usr/lib/sysimage/rpm: the same file seen twice is read once.
                database = found;
                await ReadSqliteAsync(found, files.Find(directory + "/rpmdb.sqlite-wal"), os, builder, cancellationToken).ConfigureAwait(false);
                break;
            }
        }

        if (database is not null)
        {
            return;
        }

        foreach (var directory in Directories)
        {
            foreach (var (name, format) in new[] { ("Packages", "BerkeleyDB"), ("Packages.db", "NDB") })
            {
                if (files.Locate($"{directory}/{name}") is { } unsupported)
                {
                    builder.Note(
                        ErrorCodes.UnsupportedPackageDatabase,
                        $"rpm database format {format} is not supported ({unsupported.Path}, layer {unsupported.Layer}); only rpmdb.sqlite (rpm 4.16 and later) is read, so the image's rpm packages are missing from the SBOM.");
                    return;
                }
            }
        }
    }

    private static async Task ReadSqliteAsync(ImageFile database, ImageFile? log, OsRelease? os, CatalogBuilder builder, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("toolkit-rpmdb-");

        // Without the native library SqliteConnection's type initializer throws, and again on every later use of the type.
        var sqliteLoaded = false;
        try
        {
            var path = Path.Combine(folder.FullName, "rpmdb.sqlite");
            await File.WriteAllBytesAsync(path, database.Content, cancellationToken).ConfigureAwait(false);
            if (log is not null)
            {
                await File.WriteAllBytesAsync(path + "-wal", log.Content, cancellationToken).ConfigureAwait(false);
            }

            var headers = new List<(long Number, RpmHeader Header)>();
            var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
            var connection = new SqliteConnection(connectionString);
            sqliteLoaded = true;
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = "SELECT hnum, blob FROM Packages ORDER BY hnum";
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            var number = reader.GetInt64(0);
                            var blob = (byte[])reader.GetValue(1);
                            try
                            {
                                headers.Add((number, new RpmHeader(blob)));
                            }
                            catch (InvalidDataException e)
                            {
                                builder.Note(ErrorCodes.InvalidPackageDatabase, $"{database.Path} (layer {database.Layer}): package header {number} is corrupt ({e.Message}); it was left out.");
                            }
                        }
                    }
                }
            }

            AddPackages(headers.Select(h => h.Header), database, os, builder);
        }
        catch (SqliteException e)
        {
            builder.Note(ErrorCodes.InvalidPackageDatabase, $"{database.Path} (layer {database.Layer}) cannot be read as an rpm SQLite database: {e.Message}");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            // A host that did not deploy SQLitePCLRaw's native library (runtimes/<rid>/native/) cannot open any database.
            // The loader's message goes on to list every path it probed, one a line: the first line says enough for a note.
            var reason = e.GetBaseException().Message.Split('\n', 2)[0].Trim();
            builder.Note(ErrorCodes.SqliteUnavailable, $"{database.Path} (layer {database.Layer}) was not read: the native SQLite library cannot be loaded here ({reason}); the image's rpm packages are missing from the SBOM.");
        }
        finally
        {
            if (sqliteLoaded)
            {
                SqliteConnection.ClearAllPools();
            }

            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A temporary file left behind is not worth failing the SBOM for.
            }
        }
    }

    private static void AddPackages(IEnumerable<RpmHeader> headers, ImageFile database, OsRelease? os, CatalogBuilder builder)
    {
        var packages = new List<RpmPackage>();
        foreach (var header in headers)
        {
            var name = header.String(RpmHeader.TagName);
            var version = header.String(RpmHeader.TagVersion);
            // gpg-pubkey entries are the keys rpm trusts, imported into the database; not software.
            if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version) || name == "gpg-pubkey")
            {
                continue;
            }

            packages.Add(new RpmPackage(name, version, header));
        }

        // Requirements are capabilities: a package name, something a package provides, or a file it owns.
        var providers = new Dictionary<string, RpmPackage>(StringComparer.Ordinal);
        var wantedFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var package in packages)
        {
            var release = package.Header.String(RpmHeader.TagRelease);
            var epoch = package.Header.Int32s(RpmHeader.TagEpoch) is [var e, ..] ? e.ToString(CultureInfo.InvariantCulture) : null;
            var vendor = package.Header.String(RpmHeader.TagVendor);
            var fullVersion = release is { Length: > 0 } ? $"{package.Version}-{release}" : package.Version;
            var @namespace = os?.Id ?? vendor?.ToLowerInvariant();
            package.FullVersion = fullVersion;
            package.Epoch = epoch;
            package.Purl = PackageUrl.Create("rpm", @namespace, package.Name, fullVersion, ("arch", package.Header.String(RpmHeader.TagArch)), ("epoch", epoch), ("distro", os?.Distro));
            providers.TryAdd(package.Name, package);
            wantedFiles.UnionWith(package.Header.Strings(RpmHeader.TagRequireName).Where(r => r.StartsWith('/')));
        }

        foreach (var package in packages)
        {
            foreach (var provided in package.Header.Strings(RpmHeader.TagProvideName))
            {
                providers.TryAdd(provided, package);
            }
        }

        if (wantedFiles.Count > 0)
        {
            foreach (var package in packages)
            {
                foreach (var file in Files(package.Header).Where(wantedFiles.Contains))
                {
                    providers.TryAdd(file, package);
                }
            }
        }

        foreach (var package in packages)
        {
            var properties = new List<KeyValuePair<string, string>>();
            if (package.Header.String(RpmHeader.TagSourceRpm) is { Length: > 0 } source)
            {
                properties.Add(new("toolkit:rpm:sourceRpm", source));
            }

            if (package.Epoch is not null)
            {
                properties.Add(new("toolkit:rpm:epoch", package.Epoch));
            }

            var license = package.Header.String(RpmHeader.TagLicense);
            builder.Add(new SbomComponent
            {
                BomRef = package.Purl!,
                Type = SbomComponentType.Library,
                Name = package.Name,
                Version = package.FullVersion,
                Purl = package.Purl,
                Supplier = package.Header.String(RpmHeader.TagVendor) ?? package.Header.String(RpmHeader.TagPackager),
                Description = package.Header.String(RpmHeader.TagSummary),
                Licenses = license is { Length: > 0 } ? [LicenseText.From(license)] : [],
                Evidence = [database.Evidence],
                Properties = properties,
            });

            var names = package.Header.Strings(RpmHeader.TagRequireName);
            var flags = package.Header.Int32s(RpmHeader.TagRequireFlags);
            var dependencies = names
                .Where((_, i) => i >= flags.Count || (flags[i] & RpmSenseRpmLib) == 0)
                .Select(providers.GetValueOrDefault)
                .OfType<RpmPackage>()
                .Select(p => p.Purl!);
            builder.DependsOn(package.Purl!, dependencies);
        }
    }

    private static IEnumerable<string> Files(RpmHeader header)
    {
        var baseNames = header.Strings(RpmHeader.TagBaseNames);
        var directories = header.Strings(RpmHeader.TagDirNames);
        var indexes = header.Int32s(RpmHeader.TagDirIndexes);
        for (var i = 0; i < baseNames.Count && i < indexes.Count; i++)
        {
            if (indexes[i] >= 0 && indexes[i] < directories.Count)
            {
                yield return directories[indexes[i]] + baseNames[i];
            }
        }
    }

    private sealed record RpmPackage(string Name, string Version, RpmHeader Header)
    {
        public string? Purl { get; set; }

        public string? FullVersion { get; set; }

        public string? Epoch { get; set; }
    }
}
