using Blase.Engine.Fitting;
using Blase.Engine.IO.Fits;
using Blase.Engine.Lines;

namespace Blase.Engine.IO;

/// <summary>
/// The checkpoint of a clone or a transfer: a line model file of the best model so far (so <c>Import-BlaseModel</c> reads it
/// as that model) whose primary header also names the run (CKPTKIND, CKPTINP, CKPTOPT, CKPTITER) and whose image
/// extensions <c>CKPT.name</c> hold the optimizer's state, each an exact array of doubles (BITPIX −64).
/// </summary>
public static class LineModelCheckpointFile
{
    private const string Prefix = "CKPT.";

    public static void Save(string path, LineModel best, CheckpointState state)
    {
        var hdus = LineModelFile.Hdus(best);
        hdus[0].Header
            .Set("CKPTKIND", state.Kind, "Blase checkpoint of this kind of run")
            .Set("CKPTINP", state.Inputs, "SHA-256 of the run's inputs")
            .Set("CKPTOPT", state.Options, "SHA-256 of the run's options")
            .Set("CKPTITER", (long)state.Iteration, "iterations done");
        foreach (var (name, values) in state.Arrays)
            hdus.Add(new FitsImage(values, values.Length == 0 ? Array.Empty<int>() : new[] { values.Length }, -64, new FitsHeader().Set("EXTNAME", Prefix + name)));
        FitsFile.Write(path, hdus);
    }

    /// <summary>The state in a checkpoint file; null when the file is not a line-model checkpoint.</summary>
    public static CheckpointState? Read(string path)
    {
        if (!FitsFile.LooksLikeFits(path)) return null;
        var hdus = FitsFile.Read(path);
        var h = hdus[0].Header;
        if (h.GetString("BLASEFMT") != "line-model" || h.GetString("CKPTKIND") is not string kind) return null;
        var arrays = hdus.OfType<FitsImage>().Where(i => i.Name?.StartsWith(Prefix, StringComparison.Ordinal) == true)
            .ToDictionary(i => i.Name![Prefix.Length..], i => i.Data);
        long iteration = h.GetLong("CKPTITER") ?? throw new BlaseDataException("has no CKPTITER", path);
        if (iteration is < 0 or > int.MaxValue) throw new BlaseDataException($"CKPTITER = {iteration} is not a count of iterations", path);
        return new CheckpointState(kind, h.GetString("CKPTINP") ?? "", h.GetString("CKPTOPT") ?? "", (int)iteration, arrays);
    }
}
