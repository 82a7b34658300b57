using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Scanning.Gate;

public sealed class AllowlistReaderTests
{
    private const string Json = """
        {
          "version": 1,
          "ignore": [
            {"id": "CVE-2023-45853", "reason": "MiniZip is not built into zlib1g", "expires": "2027-01-31"},
            {"id": "CVE-2024-6387", "reason": "sshd is not installed; only the client", "expires": "2026-12-31", "package": "openssh-client", "repository": "team/app"}
          ]
        }
        """;

    private const string Yaml = """
        version: 1
        ignore:
          - id: CVE-2023-45853
            reason: MiniZip is not built into zlib1g
            expires: 2027-01-31
          - id: CVE-2024-6387
            reason: "sshd is not installed; only the client"
            expires: "2026-12-31"
            package: openssh-client
            repository: team/app
        """;

    [Theory]
    [InlineData(Json, "allowlist.json")]
    [InlineData(Yaml, "allowlist.yaml")]
    [InlineData(Yaml, "allowlist.yml")]
    public void Json_and_yaml_read_the_same_entries(string content, string fileName)
    {
        var allowlist = AllowlistReader.Parse(content, fileName);

        Assert.Equal(fileName, allowlist.Source);
        Assert.Equal(2, allowlist.Entries.Count);
        var first = allowlist.Entries[0];
        Assert.Equal("CVE-2023-45853", first.Id);
        Assert.Equal("MiniZip is not built into zlib1g", first.Reason);
        Assert.Equal(new DateOnly(2027, 1, 31), first.Expires);
        Assert.Null(first.Package);
        Assert.Null(first.Repository);
        var second = allowlist.Entries[1];
        Assert.Equal("openssh-client", second.Package);
        Assert.Equal("team/app", second.Repository);
        Assert.StartsWith($"{fileName}, entry 2 ", second.Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_is_read_from_disk_and_a_missing_one_is_TK4010()
    {
        using var folder = new TemporaryDirectory();
        var path = Path.Combine(folder.Path, "accepted.yaml");
        await File.WriteAllTextAsync(path, Yaml);

        var allowlist = await AllowlistReader.ReadAsync(path, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<ToolkitException>(() => AllowlistReader.ReadAsync(Path.Combine(folder.Path, "none.json"), CancellationToken.None));

        Assert.Equal(2, allowlist.Entries.Count);
        Assert.Equal("TK4010", missing.Code);
        Assert.Equal(ErrorKind.InvalidInput, missing.Kind);
    }

    [Theory]
    [InlineData("""{"version": 1, "ignore": [{"id": "CVE-1", "expires": "2027-01-31"}]}""", "entry 1 (ignore[0])", "no \"reason\"")]
    [InlineData("""{"version": 1, "ignore": [{"id": "CVE-1", "reason": "ok", "expires": "2027-01-31"}, {"id": "CVE-2", "reason": "no end"}]}""", "entry 2 (ignore[1])", "no \"expires\"")]
    [InlineData("""{"version": 1, "ignore": [{"id": "CVE-1", "reason": " ", "expires": "2027-01-31"}]}""", "entry 1", "no \"reason\"")]
    [InlineData("""{"version": 1, "ignore": [{"reason": "r", "expires": "2027-01-31"}]}""", "entry 1", "no \"id\"")]
    [InlineData("""{"version": 1, "ignore": [{"id": "CVE-1", "reason": "r", "expires": "31/01/2027"}]}""", "entry 1", "'31/01/2027', not a date written yyyy-MM-dd")]
    [InlineData("""{"version": 1, "ignore": [{"id": "CVE-1", "reason": "r", "expires": "2027-02-30"}]}""", "entry 1", "not a date")]
    [InlineData("""{"version": 1, "ignore": [{"id": "CVE-1", "reason": "r", "expires": "2027-01-31", "expiry": "2028-01-01"}]}""", "entry 1", "\"expiry\" is not an entry member")]
    [InlineData("""{"version": 1, "ignore": [{"id": "CVE-1", "reason": "r", "expires": 20270131}]}""", "entry 1", "\"expires\" is not a string")]
    [InlineData("""{"version": 1, "ignore": ["CVE-1"]}""", "entry 1", "not an object")]
    public void Json_entries_without_reason_or_expiry_or_with_a_malformed_date_are_TK4013_with_their_position(string content, string where, string problem)
    {
        var exception = Assert.Throws<ToolkitException>(() => AllowlistReader.Parse(content, "allow.json"));

        Assert.Equal("TK4013", exception.Code);
        Assert.Contains("'allow.json', " + where, exception.Message, StringComparison.Ordinal);
        Assert.Contains(problem, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("version: 1\nignore:\n  - id: CVE-1\n    expires: 2027-01-31\n", "entry 1 (line 3, column 5)", "no \"reason\"")]
    [InlineData("version: 1\nignore:\n  - id: CVE-1\n    reason: ok\n    expires: 2027-01-31\n  - id: CVE-2\n    reason: none\n", "entry 2 (line 6, column 5)", "no \"expires\"")]
    [InlineData("version: 1\nignore:\n  - id: CVE-1\n    reason: r\n    expires: next year\n", "entry 1", "'next year', not a date")]
    [InlineData("version: 1\nignore:\n  - id: CVE-1\n    reason: [a, b]\n    expires: 2027-01-31\n", "entry 1", "\"reason\" is not a single value")]
    public void Yaml_entries_are_checked_the_same_way_and_named_by_line_and_column(string content, string where, string problem)
    {
        var exception = Assert.Throws<ToolkitException>(() => AllowlistReader.Parse(content, "allow.yaml"));

        Assert.Equal("TK4013", exception.Code);
        Assert.Contains("'allow.yaml', " + where, exception.Message, StringComparison.Ordinal);
        Assert.Contains(problem, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("allow.json", "{\"version\": 1,\n \"ignore\": [\n  {\"id\": \"CVE-1\" \"reason\": \"r\"}]}", "line 3, column ")]
    [InlineData("allow.yaml", "version: 1\nignore:\n  - id: CVE-1\n   reason: [unclosed\n", "line ")]
    [InlineData("allow.json", "[]", "top level is not an object")]
    [InlineData("allow.json", "{\"version\": 1, \"ignore\": {}}", "\"ignore\" is not a list")]
    [InlineData("allow.json", "{\"version\": 1}", "no \"ignore\" list")]
    [InlineData("allow.json", "{\"version\": 1, \"ignore\": [], \"allow\": []}", "unknown member \"allow\"")]
    [InlineData("allow.yaml", "- a\n- b\n", "not one YAML document")]
    public void Malformed_files_are_TK4011_with_the_position_or_the_problem(string fileName, string content, string expected)
    {
        var exception = Assert.Throws<ToolkitException>(() => AllowlistReader.Parse(content, fileName));

        Assert.Equal("TK4011", exception.Code);
        Assert.Contains(fileName, exception.Message, StringComparison.Ordinal);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("allow.json", "{\"ignore\": []}", "has no \"version\"")]
    [InlineData("allow.json", "{\"version\": 2, \"ignore\": []}", "has version 2")]
    [InlineData("allow.yaml", "version: \"1.1\"\nignore: []\n", "has version 1.1")]
    public void A_missing_or_unknown_version_is_TK4012(string fileName, string content, string expected)
    {
        var exception = Assert.Throws<ToolkitException>(() => AllowlistReader.Parse(content, fileName));

        Assert.Equal("TK4012", exception.Code);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_ignore_list_is_an_empty_allowlist()
    {
        Assert.Empty(AllowlistReader.Parse("{\"version\": 1, \"ignore\": []}", "a.json").Entries);
        Assert.Empty(AllowlistReader.Parse("version: 1\nignore:\n", "a.yaml").Entries);
    }
}
