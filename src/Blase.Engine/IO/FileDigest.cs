using System.Security.Cryptography;

namespace Blase.Engine.IO;

/// <summary>SHA-256 of files and text, as lower-case hex: how a batch knows an input or an output is the one it recorded.</summary>
public static class FileDigest
{
    public static string Sha256(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
    }

    public static string Sha256Text(string text) =>
        Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
