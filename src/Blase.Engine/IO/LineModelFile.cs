using System.Globalization;
using System.Text;
using Blase.Engine.IO.Fits;
using Blase.Engine.Lines;

namespace Blase.Engine.IO;

/// <summary>
/// Saves and loads line models. The native file is FITS: a primary header with the format version, profile, mode,
/// window settings, continuum and provenance, and a binary table LINES with blasé's columns lam_center_A, ln_amplitude,
/// ln_sigma_A, ln_gamma_A as 64-bit floats. FITS rather than HDF5 because every number round-trips exactly through our
/// own writer and Python reads it with astropy.io.fits (or fitsio) with no extra dependency.
/// The blasé convention CSV (the same four columns) is read and written for interoperability.
/// </summary>
public static class LineModelFile
{
    public static readonly string[] BlaseColumns = { "lam_center_A", "ln_amplitude", "ln_sigma_A", "ln_gamma_A" };

    public static void Save(LineModel m, string path, bool overwrite = true)
    {
        var h = new FitsHeader()
            .Set("BLASEFMT", "line-model", "Blase line model")
            .Set("BLASEVER", LineModel.FormatVersion, "file format version")
            .Set("PROFILE", m.Profile.ToString())
            .Set("COMBMODE", m.Mode.ToString())
            .Set("WINTOL", m.Tolerance, "window ends where a*V falls below this")
            .Set("CONTMIN", m.ContinuumMin, "continuum Chebyshev domain, Angstrom")
            .Set("CONTMAX", m.ContinuumMax)
            .Set("NCONT", m.Continuum.Length, "continuum coefficients");
        if (m.WingCut is int cut) h.Set("WINGCUT", cut, "fixed window, pixels");
        if (m.Name is not null) h.Set("OBJECT", m.Name);
        for (int k = 0; k < m.Continuum.Length; k++) h.Set($"CONT{k}", m.Continuum[k]);
        foreach (var step in m.Provenance) h.Add(new FitsCard("HISTORY", null, step));
        var table = new FitsTable(new[]
        {
            FitsColumn.FromNumbers(BlaseColumns[0], m.Center, FitsColumnType.Double, "Angstrom"),
            FitsColumn.FromNumbers(BlaseColumns[1], m.LnAmplitude, FitsColumnType.Double, "ln(Angstrom)"),
            FitsColumn.FromNumbers(BlaseColumns[2], m.LnSigma, FitsColumnType.Double, "ln(Angstrom)"),
            FitsColumn.FromNumbers(BlaseColumns[3], m.LnGamma, FitsColumnType.Double, "ln(Angstrom)"),
        }, new FitsHeader().Set("EXTNAME", "LINES"));
        FitsFile.Write(path, new FitsHdu[] { new FitsImage(Array.Empty<double>(), Array.Empty<int>(), 8, h), table }, overwrite);
    }

    public static LineModel Load(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext == ".csv" ? LoadBlaseCsv(path) : LoadFits(path);
    }

    private static LineModel LoadFits(string path)
    {
        var hdus = FitsFile.Read(path);
        var h = hdus[0].Header;
        if (h.GetString("BLASEFMT") != "line-model") throw new BlaseDataException("is not a Blase line model (no BLASEFMT = 'line-model'); spectra load with Import-BlaseSpectrum", path);
        long version = h.GetLong("BLASEVER") ?? 0;
        if (version > LineModel.FormatVersion) throw new BlaseDataException($"was written by a newer Blase (format {version}; this one reads up to {LineModel.FormatVersion})", path);
        var table = SpectrumTable(hdus, path);
        double[] Col(string name) => table.Column(name)?.Numbers ?? throw new BlaseDataException($"its LINES table has no column {name}", path);
        int nc = (int)(h.GetLong("NCONT") ?? 1);
        var cont = Enumerable.Range(0, nc).Select(k => h.GetDouble($"CONT{k}") ?? throw new BlaseDataException($"has no CONT{k}", path)).ToArray();
        var m = new LineModel(Col(BlaseColumns[0]), Col(BlaseColumns[1]), Col(BlaseColumns[2]), Col(BlaseColumns[3]),
            Enum.Parse<ProfileShape>(h.GetString("PROFILE") ?? "PseudoVoigt"), Enum.Parse<CombinationMode>(h.GetString("COMBMODE") ?? "Linear"),
            cont, h.GetDouble("CONTMIN") ?? 0, h.GetDouble("CONTMAX") ?? 1)
        {
            Tolerance = h.GetDouble("WINTOL") ?? 1e-5,
            WingCut = h.GetLong("WINGCUT") is long w ? (int)w : null,
            Name = h.GetString("OBJECT"),
        };
        m.Provenance.AddRange(h.Cards.Where(c => c.Keyword == "HISTORY" && c.Comment is not null).Select(c => c.Comment!));
        return m;
    }

    private static FitsTable SpectrumTable(IReadOnlyList<FitsHdu> hdus, string path) =>
        hdus.OfType<FitsTable>().FirstOrDefault(t => t.Name == "LINES") ?? throw new BlaseDataException("has no LINES table", path);

    /// <summary>Writes blasé's convention: lam_center_A, ln_amplitude, ln_sigma_A, ln_gamma_A, one line per row, full precision.</summary>
    public static void SaveBlaseCsv(LineModel m, string path, bool overwrite = true) =>
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            w.WriteLine(string.Join(',', BlaseColumns));
            var ci = CultureInfo.InvariantCulture;
            for (int j = 0; j < m.Count; j++)
                w.WriteLine($"{m.Center[j].ToString("R", ci)},{m.LnAmplitude[j].ToString("R", ci)},{m.LnSigma[j].ToString("R", ci)},{m.LnGamma[j].ToString("R", ci)}");
        }, overwrite);

    /// <summary>Reads blasé's convention CSV (columns by name, any order; an optional leading index column is ignored).</summary>
    public static LineModel LoadBlaseCsv(string path, ProfileShape profile = ProfileShape.PseudoVoigt, CombinationMode mode = CombinationMode.Linear)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        using var r = new StreamReader(path);
        var header = (r.ReadLine() ?? throw new BlaseDataException("is empty", path)).Split(',').Select(c => c.Trim()).ToList();
        var idx = BlaseColumns.Select(c => header.IndexOf(c)).ToArray();
        if (idx.Any(i => i < 0))
            throw new BlaseDataException($"is not a blasé line list: it needs the columns {string.Join(", ", BlaseColumns)} (has {string.Join(", ", header)})", path);
        var cols = BlaseColumns.Select(_ => new List<double>()).ToArray();
        int lineNo = 1;
        for (string? line; (line = r.ReadLine()) is not null;)
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            var cells = line.Split(',');
            for (int k = 0; k < 4; k++)
            {
                if (idx[k] >= cells.Length || !double.TryParse(cells[idx[k]], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                    throw new BlaseDataException($"line {lineNo}: column {BlaseColumns[k]} is not a finite number", path);
                cols[k].Add(v);
            }
        }
        if (cols[0].Count == 0) throw new BlaseDataException("lists no lines", path);
        var m = new LineModel(cols[0].ToArray(), cols[1].ToArray(), cols[2].ToArray(), cols[3].ToArray(), profile, mode,
            new[] { 1.0 }, cols[0].Min(), cols[0].Max()) { Name = Path.GetFileNameWithoutExtension(path) };
        m.Provenance.Add($"read blasé line list {Path.GetFileName(path)}");
        return m;
    }
}
