using System.ComponentModel.DataAnnotations;

namespace Kiln.Projects;

/// <summary>Which store holds projects and events. Bound from the <c>Kiln</c> section (<c>Kiln:Store</c>, <c>Kiln:Redis:*</c>).</summary>
public sealed class StoreOptions : IValidatableObject
{
    public const string Section = "Kiln";

    /// <summary><c>sqlite</c> (one process, <c>{ProjectsRoot}/kiln.db</c>) or <c>redis</c> (several instances share it).</summary>
    public StoreKind Store { get; set; } = StoreKind.Sqlite;

    public RedisStoreOptions Redis { get; set; } = new();

    /// <summary>
    /// The store configured, read before the container is built: each piece with data in the store registers the
    /// backend that matches it. Everything else reads the bound, validated <see cref="StoreOptions"/>.
    /// </summary>
    public static StoreKind KindIn(IConfiguration configuration) =>
        configuration.GetSection(Section).GetValue<StoreKind?>(nameof(Store)) ?? StoreKind.Sqlite;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Store == StoreKind.Redis && string.IsNullOrWhiteSpace(Redis.Configuration))
        {
            yield return new ValidationResult(
                "Kiln:Store is 'redis' but Kiln:Redis:Configuration is empty: set it to a StackExchange.Redis configuration "
                + "string such as 'localhost:6379' (or 'host:6379,password=…,ssl=true'), or set Kiln:Store to 'sqlite'.",
                [nameof(Redis)]);
        }

        if (Store == StoreKind.Redis && (string.IsNullOrEmpty(Redis.KeyPrefix) || Redis.KeyPrefix.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult(
                $"Kiln:Redis:KeyPrefix '{Redis.KeyPrefix}' must be a non-empty word without spaces, such as 'kiln:'.", [nameof(Redis)]);
        }
    }
}

public enum StoreKind
{
    Sqlite,
    Redis,
}

/// <summary>Bound from <c>Kiln:Redis</c>; used when <c>Kiln:Store</c> is <c>redis</c>.</summary>
public sealed class RedisStoreOptions
{
    /// <summary>A StackExchange.Redis configuration string: <c>localhost:6379</c>, <c>host:6379,password=…,ssl=true</c>…</summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Put before every key and channel Kiln uses, so several Kiln deployments (or test runs) can share one Redis.
    /// Every instance of one deployment must use the same prefix.
    /// </summary>
    public string KeyPrefix { get; set; } = "kiln:";
}
