using Dapper;
using FluentValidation;
using Microsoft.Data.Sqlite;

namespace Sample.Api;

/// <summary>An item in stock.</summary>
public sealed record Item(string Sku, string Name, int Quantity);

/// <summary>What a client sends to add an item.</summary>
public sealed record NewItem(string Sku, string Name, int Quantity);

/// <summary>Rules for a new item.</summary>
public sealed class NewItemValidator : AbstractValidator<NewItem>
{
    public NewItemValidator()
    {
        RuleFor(i => i.Sku).NotEmpty().Matches("^[A-Z0-9-]{3,32}$");
        RuleFor(i => i.Name).NotEmpty().MaximumLength(200);
        RuleFor(i => i.Quantity).GreaterThanOrEqualTo(0);
    }
}

/// <summary>Items kept in a SQLite database.</summary>
public sealed class InventoryStore(string connectionString)
{
    public async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE IF NOT EXISTS items (sku TEXT PRIMARY KEY, name TEXT NOT NULL, quantity INTEGER NOT NULL)",
            cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<Item>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        var items = await connection.QueryAsync<Item>(new CommandDefinition(
            "SELECT sku AS Sku, name AS Name, quantity AS Quantity FROM items ORDER BY sku",
            cancellationToken: cancellationToken));
        return items.AsList();
    }

    public async Task<Item?> FindAsync(string sku, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        return await connection.QuerySingleOrDefaultAsync<Item>(new CommandDefinition(
            "SELECT sku AS Sku, name AS Name, quantity AS Quantity FROM items WHERE sku = @sku",
            new { sku },
            cancellationToken: cancellationToken));
    }

    public async Task<Item> AddAsync(NewItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        await using var connection = new SqliteConnection(connectionString);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO items (sku, name, quantity) VALUES (@Sku, @Name, @Quantity)",
            item,
            cancellationToken: cancellationToken));
        return new Item(item.Sku, item.Name, item.Quantity);
    }
}
