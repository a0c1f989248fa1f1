using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blase.Engine.Fitting;

/// <summary>
/// SHA-256 of what a run depends on, fed piece by piece: arrays by their exact bits, text, and options as their JSON less the
/// settings that do not change where the run goes (the iteration limit, a time limit, the checkpoint's own), so that a run
/// may be resumed with a longer budget but not with another data set or step rule.
/// </summary>
public sealed class CheckpointFingerprint : IDisposable
{
    /// <summary>Option names left out of every options fingerprint: they decide when a run stops, not what it computes.</summary>
    private static readonly string[] StoppingOnly = { "Epochs", "MaxIterations", "MaxEpochs", "TimeLimit", "Checkpoint", "ReturnBestOnCancel" };

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public CheckpointFingerprint Add(ReadOnlySpan<double> values)
    {
        Add(values.Length.ToString());
        _hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        return this;
    }

    public CheckpointFingerprint Add(string text)
    {
        _hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        return this;
    }

    /// <summary>The options' public settings as JSON, without <see cref="StoppingOnly"/>.</summary>
    public CheckpointFingerprint AddOptions(object options)
    {
        var json = JsonSerializer.SerializeToNode(options, options.GetType())!.AsObject();
        foreach (var name in StoppingOnly) json.Remove(name);
        return Add(json.ToJsonString());
    }

    /// <summary>The digest in hex (the fingerprint is finished).</summary>
    public string Finish() => Convert.ToHexString(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();
}
