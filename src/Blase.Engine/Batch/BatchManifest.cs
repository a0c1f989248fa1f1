using System.Text.Json;
using System.Text.Json.Serialization;
using Blase.Engine.IO;

namespace Blase.Engine.Batch;

/// <summary>
/// The record a batch writes beside an input's outputs, last (<c>&lt;name&gt;.manifest.json</c>): the input's SHA-256, the
/// recipe's hash, the outputs with their SHA-256, and the result. It decides whether a rerun skips the input: only when it
/// says Reduced, the input and recipe hashes match, and every output is there with the recorded hash. A failed input has a
/// manifest too (with the reason), which never skips: failures are retried.
/// </summary>
public sealed class BatchManifest
{
    /// <summary>Bumped when the layout of the outputs changes, so that older outputs are redone.</summary>
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string InputSha256 { get; init; }
    public required string RecipeSha256 { get; init; }
    /// <summary>Output file name → its SHA-256.</summary>
    public Dictionary<string, string> Outputs { get; init; } = new();
    public DateTime FinishedUtc { get; init; }
    public required string BlaseVersion { get; init; }
    public required BatchResult Result { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public void Save(string path) => AtomicFile.Write(path, s => JsonSerializer.Serialize(s, this, Json));

    /// <summary>The manifest at <paramref name="path"/>, or null when there is none or it cannot be read (then the input is redone).</summary>
    public static BatchManifest? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var s = File.OpenRead(path);
            return JsonSerializer.Deserialize<BatchManifest>(s, Json);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Null when this manifest shows the input reduced from the same bytes by the same recipe with its outputs intact;
    /// otherwise why the input must be (re)done.
    /// </summary>
    public string? WhyRedo(BatchLayout layout, string inputSha256, string recipeSha256)
    {
        if (Format != CurrentFormat) return $"its manifest is of format {Format}, this Blase writes {CurrentFormat}";
        if (Result.Outcome == BatchOutcome.Failed) return "it failed last time";
        if (InputSha256 != inputSha256) return "the input changed since it was reduced";
        if (RecipeSha256 != recipeSha256) return "the recipe changed since it was reduced";
        foreach (var (name, sha) in Outputs)
        {
            string file = System.IO.Path.Combine(layout.OutputDirectory, name);
            if (!File.Exists(file)) return $"{name} is missing";
            if (FileDigest.Sha256(file) != sha) return $"{name} differs from the one recorded";
        }
        return null;
    }
}
