using System.Buffers.Text;
using System.Security.Cryptography;

namespace Kiln.Tools;

/// <summary>
/// A strong entity tag of a file's exact bytes (its SHA-256): equal tags mean equal content, whoever wrote it and when,
/// so a hand edit's <c>If-Match</c> fails exactly when the file changed since it was read.
/// </summary>
public static class ContentTag
{
    public static string Of(ReadOnlySpan<byte> content) => Quote(SHA256.HashData(content));

    public static async Task<string> OfFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Quote(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static string Quote(byte[] hash) => $"\"{Base64Url.EncodeToString(hash)}\"";
}
