using Blase.Engine.Fitting;
using Blase.Engine.IO.Fits;

namespace Blase.Engine.IO;

/// <summary>
/// A clone's report in a line-model file: its figures as primary-header keywords (REPORT = T marks them), its loss and
/// time at each iteration as a binary table TRAINING (columns loss, seconds). Text is escaped to ASCII
/// (<see cref="FitsText"/>); figures that are not finite are left out and read back as NaN.
/// </summary>
internal static class CloneReportFits
{
    public const string TableName = "TRAINING";

    public static void Write(CloneReport r, FitsHeader h)
    {
        var t = r.Training;
        h.Set("REPORT", true, "the clone's report follows, and table TRAINING");
        h.Set("TEMPLATE", FitsText.Escape(r.Template), "template cloned");
        h.Set("NFOUND", (long)r.LinesFound, "lines found in the template");
        Number(h, "RMS", r.RmsNative, "residual RMS against the template");
        Number(h, "RMSSMOOT", r.RmsSmoothed, "residual RMS, both smoothed to RESPOWER");
        Number(h, "RESPOWER", r.ResolvingPower, "resolving power of RMSSMOOT");
        h.Set("TRNLINES", (long)t.Lines, "lines trained");
        h.Set("TRNITER", (long)t.Epochs, "training iterations");
        Number(h, "TRNSEC", t.Seconds, "training time, s");
        h.Set("TRNDEV", FitsText.Escape(t.Device), "device trained on");
        h.Set("TRNOPT", t.Optimizer.ToString(), "optimizer");
        Number(h, "TRNRMS0", t.InitialRms, "RMS before training");
        Number(h, "TRNRMS", t.Rms, "RMS after training");
        h.Set("TRNPAIRS", t.LinePixelPairs, "line-pixel pairs evaluated");
        h.Set("TRNSTOP", FitsText.Escape(t.StopReason), "why training stopped");
    }

    /// <summary>The TRAINING table, or null when the report holds no loss history.</summary>
    public static FitsTable? Table(TrainingReport t)
    {
        if (t.LossHistory.Count == 0) return null;
        var seconds = Enumerable.Range(0, t.LossHistory.Count).Select(i => i < t.SecondsHistory.Count ? t.SecondsHistory[i] : double.NaN).ToArray();
        return new FitsTable(new[]
        {
            FitsColumn.FromNumbers("loss", t.LossHistory.ToArray(), FitsColumnType.Double),
            FitsColumn.FromNumbers("seconds", seconds, FitsColumnType.Double, "s"),
        }, new FitsHeader().Set("EXTNAME", TableName)
            .Set("TCOMM1", "training loss, sum of w (model - template)^2, at each iteration (row 1: before training)")
            .Set("TCOMM2", "time since training began"));
    }

    /// <summary>The report a file holds, or null when it holds none (REPORT absent: written before reports were kept, or not a clone).</summary>
    public static CloneReport? Read(FitsHeader h, IReadOnlyList<FitsHdu> hdus, string path)
    {
        if (h.GetBool("REPORT") != true) return null;
        string optimizer = h.GetString("TRNOPT") ?? "";
        if (!Enum.TryParse<OptimizerKind>(optimizer, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
            throw new BlaseDataException($"TRNOPT = '{optimizer}' is not one of {string.Join(", ", Enum.GetNames<OptimizerKind>())}", path);
        var training = new TrainingReport
        {
            Lines = Count(h, "TRNLINES", path),
            Epochs = Count(h, "TRNITER", path),
            Seconds = h.GetDouble("TRNSEC") ?? double.NaN,
            Device = FitsText.Unescape(h.GetString("TRNDEV") ?? ""),
            Optimizer = kind,
            InitialRms = h.GetDouble("TRNRMS0") ?? double.NaN,
            Rms = h.GetDouble("TRNRMS") ?? double.NaN,
            LinePixelPairs = h.GetLong("TRNPAIRS") ?? 0,
            StopReason = FitsText.Unescape(h.GetString("TRNSTOP") ?? ""),
        };
        if (hdus.OfType<FitsTable>().FirstOrDefault(t => t.Name == TableName) is FitsTable table)
        {
            var loss = table.Column("loss")?.Numbers ?? throw new BlaseDataException($"its {TableName} table has no numeric column loss", path);
            training.LossHistory.AddRange(loss);
            if (table.Column("seconds")?.Numbers is double[] seconds) training.SecondsHistory.AddRange(seconds);
        }
        return new CloneReport
        {
            Training = training,
            LinesFound = Count(h, "NFOUND", path),
            RmsNative = h.GetDouble("RMS") ?? double.NaN,
            RmsSmoothed = h.GetDouble("RMSSMOOT") ?? double.NaN,
            ResolvingPower = h.GetDouble("RESPOWER") ?? double.NaN,
            Template = FitsText.Unescape(h.GetString("TEMPLATE") ?? ""),
        };
    }

    private static void Number(FitsHeader h, string key, double value, string comment)
    {
        if (double.IsFinite(value)) h.Set(key, value, comment);
    }

    private static int Count(FitsHeader h, string key, string path) => h.GetLong(key) switch
    {
        null => 0,
        long n when n is >= 0 and <= int.MaxValue => (int)n,
        long n => throw new BlaseDataException($"{key} = {n} is not a count", path),
    };
}
