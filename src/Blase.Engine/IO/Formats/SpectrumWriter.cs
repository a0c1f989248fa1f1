using System.Globalization;
using System.Text;
using Blase.Engine.IO.Fits;
using Blase.Engine.Spectra;

namespace Blase.Engine.IO.Formats;

/// <summary>
/// Writes a spectrum as a FITS binary table (columns order, wavelength, flux, uncertainty, mask; metadata and
/// provenance in the primary header) or as CSV with the same columns and '#' metadata lines. Both read back through
/// <see cref="SpectrumReader"/> to the same numbers. Files are written atomically.
/// </summary>
public static class SpectrumWriter
{
    public static void Write(Spectrum spectrum, string path, bool overwrite = true)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        switch (ext)
        {
            case ".fits": case ".fit": case ".fts": WriteFits(spectrum, path, overwrite); break;
            case ".csv": case ".txt": case ".dat": case ".tsv": WriteText(spectrum, path, ext == ".tsv" ? '\t' : ',', overwrite); break;
            default: throw new ArgumentException($"cannot tell the format from the extension '{ext}' (use .fits or .csv)");
        }
    }

    private static string UnitName(WavelengthUnit u) => u switch
    {
        WavelengthUnit.Angstrom => "Angstrom",
        WavelengthUnit.Nanometer => "nm",
        _ => "um",
    };

    /// <summary>
    /// Text values (OBJECT, HISTORY, …) are escaped by <see cref="FitsText"/> (FITS headers hold printable ASCII only),
    /// which <see cref="TextKeyword"/> announces to the reader. Units are written in the FITS standard's form
    /// (<see cref="FitsUnit"/>: PHOENIX's 'erg/s/cm^2/cm' becomes 'erg s-1 cm-2 cm-1') or not at all, and a source's own
    /// spelling is kept in SRCBUNIT, so it reads back as it was.
    /// </summary>
    public static void WriteFits(Spectrum s, string path, bool overwrite = true)
    {
        var primary = new FitsHeader();
        var m = s.Metadata;
        void Put(string key, object? value, string? comment = null) { if (value is not null) primary.Set(key, value, comment); }
        void Text(string key, string? value, string? comment = null) => Put(key, value is null ? null : FitsText.Escape(value), comment);
        primary.Set(TextKeyword, "escaped", @"text: \\ and \uXXXX escapes, as FitsText");
        Text("OBJECT", m.Object);
        Text("INSTRUME", m.Instrument);
        Text("TELESCOP", m.Telescope);
        Text("DATE-OBS", m.ObservationDate);
        Put("BRVCORR", m.BarycentricCorrection);
        Put("PHXTEFF", m.Teff);
        Put("PHXLOGG", m.LogG);
        Put("PHXM_H", m.Metallicity);
        Put("PHXALPHA", m.Alpha);
        string? fluxUnit = FitsUnit.Standardize(m.FluxUnit);
        Put("BUNIT", fluxUnit);
        if (m.FluxUnit is not null && m.FluxUnit != fluxUnit) Text(SourceUnitKeyword, m.FluxUnit, "flux unit as the source wrote it");
        primary.Set("BLASEMED", s.Medium == WavelengthMedium.Air ? "air" : "vacuum", "wavelength medium");
        Text("BLASESRC", m.SourcePath is null ? null : Path.GetFileName(m.SourcePath));
        FitsProvenance.Write(primary, s.Provenance);

        var columns = new List<FitsColumn>
        {
            FitsColumn.FromNumbers("order", s.Orders.SelectMany(o => Enumerable.Repeat((double)o.Number, o.PixelCount)).ToArray(), FitsColumnType.Int16),
            FitsColumn.FromNumbers("wavelength", s.Wavelength, FitsColumnType.Double, UnitName(s.Unit)),
            FitsColumn.FromNumbers("flux", s.Flux, FitsColumnType.Double, fluxUnit),
        };
        if (s.Uncertainty is { } u) columns.Add(FitsColumn.FromNumbers("uncertainty", u, FitsColumnType.Double, fluxUnit));
        columns.Add(FitsColumn.FromLogicals("mask", s.Mask));
        var table = new FitsTable(columns, new FitsHeader().Set("EXTNAME", "SPECTRUM"));
        FitsFile.Write(path, new FitsHdu[] { new FitsImage(Array.Empty<double>(), Array.Empty<int>(), 8, primary), table }, overwrite);
    }

    /// <summary>Set in the primary header of a spectrum whose text values are escaped by <see cref="FitsText"/>.</summary>
    public const string TextKeyword = "BLASETXT";

    /// <summary>The source's own spelling of the flux unit, where it is not the FITS form written in BUNIT and TUNITn.</summary>
    public const string SourceUnitKeyword = "SRCBUNIT";

    public static void WriteText(Spectrum s, string path, char delimiter = ',', bool overwrite = true)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            w.WriteLine($"# {s}");
            foreach (var step in s.Provenance) w.WriteLine($"# {step}");
            string unit = s.Unit switch { WavelengthUnit.Angstrom => "A", WavelengthUnit.Nanometer => "nm", _ => "um" };
            bool hasU = s.Uncertainty is not null;
            w.WriteLine(string.Join(delimiter, new[] { "order", $"wavelength_{unit}", "flux" }.Concat(hasU ? new[] { "uncertainty" } : Array.Empty<string>()).Append("mask")));
            var ci = CultureInfo.InvariantCulture;
            foreach (var o in s.Orders)
                for (int i = 0; i < o.PixelCount; i++)
                {
                    w.Write(o.Number.ToString(ci)); w.Write(delimiter);
                    w.Write(o.Wavelength[i].ToString("R", ci)); w.Write(delimiter);
                    w.Write(o.Flux[i].ToString("R", ci));
                    if (hasU) { w.Write(delimiter); w.Write(o.Uncertainty![i].ToString("R", ci)); }
                    w.Write(delimiter); w.WriteLine(o.Mask[i] ? "1" : "0");
                }
        }, overwrite);
    }
}
