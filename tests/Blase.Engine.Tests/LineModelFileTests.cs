using Blase.Engine.Fitting;
using Blase.Engine.IO;
using Blase.Engine.IO.Fits;
using Blase.Engine.Lines;
using CsCheck;

namespace Blase.Engine.Tests;

/// <summary>The line-model FITS file round-trips everything a model holds: report, provenance lines whole, any text.</summary>
public class LineModelFileTests
{
    internal static LineModel ClonedModel()
    {
        var m = new LineModel(new[] { 6001.0, 6002.5 }, new[] { -4.0, -3.5 }, new[] { -3.9, -4.2 }, new[] { -5.0, -6.0 },
            ProfileShape.PseudoVoigt, CombinationMode.Linear, new[] { 1.0, 0.01 }, 6000, 6004) { Name = "lte05800 σ-Ori naïve ☉" };
        var training = new TrainingReport
        {
            Lines = 2, Epochs = 3, Seconds = 0.125, Device = "CPU (2 threads)", Optimizer = OptimizerKind.Adam,
            InitialRms = 0.05, Rms = 0.0149, LinePixelPairs = 123456, StopReason = "converged: Δloss < 1e-6 over 5 iterations",
        };
        training.LossHistory.AddRange(new[] { 10.0, 2.5, 1.25, 1.0 });
        training.SecondsHistory.AddRange(new[] { 0.0, 0.04, 0.08, 0.125 });
        m.Report = new CloneReport
        {
            Training = training, LinesFound = 2, RmsNative = 0.0149, RmsSmoothed = double.NaN, ResolvingPower = 55000,
            Template = "lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits (5000–8000 Å)",
        };
        m.Provenance.Add("read PHOENIX lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes_5000-8000A.fits with its WAVE file WAVE_PHOENIX-ACES-AGSS-COND-2011_5000-8000A.fits");
        m.Provenance.Add("divided by a 5800 K Planck function, λ in Å; ±3σ clipped; O'Brien's ‘quotes’ and a backslash \\ kept");
        m.Provenance.Add("ends in an ampersand &");
        m.Provenance.Add("ends in blanks   ");
        m.Provenance.Add("emoji 😀 and a tab\there");
        return m;
    }

    [Fact]
    public void A_saved_model_imports_with_its_report_whole_provenance_and_non_ascii_text()
    {
        using var dir = new TempDir();
        var m = ClonedModel();
        var path = dir.File("m.fits");
        LineModelFile.Save(m, path);
        var back = LineModelFile.Load(path);

        Assert.Equal(m.Name, back.Name);
        Assert.Equal(m.Provenance, back.Provenance);
        var r = Assert.IsType<CloneReport>(back.Report);
        Assert.Equal(m.Report!.Template, r.Template);
        Assert.Equal(2, r.LinesFound);
        Assert.Equal(0.0149, r.RmsNative);
        Assert.True(double.IsNaN(r.RmsSmoothed));
        Assert.Equal(55000, r.ResolvingPower);
        var t = r.Training;
        Assert.Equal((2, 3, 0.125, "CPU (2 threads)", OptimizerKind.Adam, 0.05, 0.0149, 123456L),
            (t.Lines, t.Epochs, t.Seconds, t.Device, t.Optimizer, t.InitialRms, t.Rms, t.LinePixelPairs));
        Assert.Equal(m.Report.Training.StopReason, t.StopReason);
        Assert.Equal(m.Report.Training.LossHistory, t.LossHistory);
        Assert.Equal(m.Report.Training.SecondsHistory, t.SecondsHistory);
    }

    [Fact]
    public void The_header_is_ascii_and_keeps_history_for_people_reading_it()
    {
        using var dir = new TempDir();
        var path = dir.File("m.fits");
        LineModelFile.Save(ClonedModel(), path);
        var bytes = File.ReadAllBytes(path);
        int end = Enumerable.Range(0, bytes.Length / 80).First(k => System.Text.Encoding.ASCII.GetString(bytes, 80 * k, 80).TrimEnd() == "END");
        Assert.All(bytes.Take(80 * end), b => Assert.InRange(b, (byte)32, (byte)126));
        var h = FitsFile.Read(path)[0].Header;
        Assert.Equal("OGIP 1.0", h.GetString("LONGSTRN"));
        Assert.Contains(h.Cards, c => c.Keyword == "HISTORY" && c.Comment!.StartsWith("divided by a 5800 K Planck function, \\u03bb"));
    }

    [Fact]
    public void A_model_file_without_provenance_keywords_reads_its_history()
    {
        // Files written before PROVn existed carry the provenance only as HISTORY cards.
        using var dir = new TempDir();
        var path = dir.File("m.fits");
        var m = ClonedModel();
        m.Report = null;
        LineModelFile.Save(m, path);
        var hdus = FitsFile.Read(path).ToList();
        foreach (var key in hdus[0].Header.Cards.Select(c => c.Keyword).Where(k => k.StartsWith("PROV") || k == "NPROV").ToList())
            hdus[0].Header.Remove(key);
        var old = dir.File("old.fits");
        FitsFile.Write(old, hdus);
        var back = LineModelFile.Load(old);
        Assert.Null(back.Report);
        Assert.Equal(m.Provenance[0][..72], back.Provenance[0]);   // FITS's 72-character commentary cards
    }

    [Fact]
    public void Any_text_escapes_to_printable_ascii_and_back()
    {
        Gen.String.Sample(s =>
        {
            var e = FitsText.Escape(s);
            Assert.All(e, c => Assert.InRange(c, ' ', '~'));
            Assert.False(e.EndsWith(' ') || e.EndsWith('&'));
            Assert.Equal(s, FitsText.Unescape(e));
        });
        Assert.Equal("plain text, unchanged", FitsText.Escape("plain text, unchanged"));
    }
}
