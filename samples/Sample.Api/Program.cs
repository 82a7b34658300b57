using FluentValidation;
using Sample.Api;
using Serilog;

var builder = WebApplication.CreateBuilder(args);
builder.Host.UseSerilog((context, logger) => logger
    .ReadFrom.Configuration(context.Configuration)
    .WriteTo.Console());

builder.Services.AddSingleton(new InventoryStore(builder.Configuration.GetConnectionString("Inventory") ?? "Data Source=inventory.db"));
builder.Services.AddScoped<IValidator<NewItem>, NewItemValidator>();

var app = builder.Build();
await app.Services.GetRequiredService<InventoryStore>().InitialiseAsync(app.Lifetime.ApplicationStopping);

app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));

app.MapGet("/items", async (InventoryStore store, CancellationToken cancellationToken)
    => Results.Ok(await store.ListAsync(cancellationToken)));

app.MapGet("/items/{sku}", async (string sku, InventoryStore store, CancellationToken cancellationToken)
    => await store.FindAsync(sku, cancellationToken) is { } item ? Results.Ok(item) : Results.NotFound());

app.MapPost("/items", async (NewItem item, IValidator<NewItem> validator, InventoryStore store, CancellationToken cancellationToken) =>
{
    var validation = await validator.ValidateAsync(item, cancellationToken);
    if (!validation.IsValid)
    {
        return Results.ValidationProblem(validation.ToDictionary());
    }

    var created = await store.AddAsync(item, cancellationToken);
    return Results.Created($"/items/{created.Sku}", created);
});

await app.RunAsync();
