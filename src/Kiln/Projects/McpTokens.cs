using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Kiln.Projects;

/// <summary>
/// The per-project tokens of the MCP endpoint (<c>/mcp/{id}</c>): knowing a project's id is not enough to run its
/// tools. A token is 256 random bits, made the first time one is asked for and kept on the project's record, so it
/// survives a restart, holds on every instance that shares the store, and is revoked with the record when the project
/// is removed.
/// </summary>
public sealed class McpTokens(IProjectStore store, IDataProtectionProvider dataProtection)
{
    /// <summary>What a token starts with, so a secret scanner (or a person) can tell what a leaked one is.</summary>
    public const string Prefix = "kiln_mcp_";

    private readonly IDataProtector _sealer = dataProtection.CreateProtector("Kiln.Projects.McpToken.v1");

    /// <summary>The project's token, made now if it has none. Null when there is no such project.</summary>
    public async Task<string?> GetOrCreateAsync(string projectId, CancellationToken cancellationToken)
    {
        if (!ProjectIds.IsValid(projectId) || await store.GetAsync(projectId, cancellationToken) is not { } project)
        {
            return null;
        }

        if (project.McpToken is { } stored && TryUnseal(stored) is { } token)
        {
            return token;
        }

        // Made outside the change, which a store may run more than once; a concurrent request that stored its own
        // first wins, and both callers get that one. A token that can no longer be unsealed (its Data Protection key
        // was lost) is replaced: the API cannot hand it out, so no client can hold it legitimately.
        var fresh = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var sealedFresh = new StoredMcpToken(Hash(fresh), _sealer.Protect(fresh));
        var unreadable = project.McpToken;
        var updated = await store.UpdateAsync(
            projectId,
            current => current.McpToken is null || current.McpToken == unreadable ? current with { McpToken = sealedFresh } : current,
            cancellationToken);
        return updated?.McpToken is { } kept ? TryUnseal(kept) : null;
    }

    /// <summary>True when <paramref name="presented"/> is the token of <paramref name="projectId"/>, a project that exists.</summary>
    public async Task<bool> IsValidAsync(string projectId, string presented, CancellationToken cancellationToken)
    {
        if (!ProjectIds.IsValid(projectId) || await store.GetAsync(projectId, cancellationToken) is not { McpToken: { } stored })
        {
            return false;
        }

        // Hashes of equal length compared in constant time: how long a refusal takes says nothing about the token.
        return CryptographicOperations.FixedTimeEquals(
            Convert.FromBase64String(stored.Sha256), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
    }

    private string? TryUnseal(StoredMcpToken stored)
    {
        try
        {
            return _sealer.Unprotect(stored.Sealed);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static string Hash(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
