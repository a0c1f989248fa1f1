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
/// A FITS round trip is exact: every number, the name, each provenance line whole (<see cref="FitsProvenance"/>), text
/// outside printable ASCII escaped by <see cref="FitsText"/>, and a clone's report (<see cref="CloneReportFits"/>). The ln columns carry no TUNIT (FITS
/// readers do not parse a unit of a logarithm); TCOMMn says what they are.
/// </summary>
public static class LineModelFile
{
    public static readonly IReadOnlyList<string> BlaseColumns = Array.AsReadOnly(new[] { "lam_center_A", "ln_amplitude", "ln_sigma_A", "ln_gamma_A" });

    public static void Save(LineModel m, string path, bool overwrite = true) => FitsFile.Write(path, Hdus(m), overwrite);

    /// <summary>The HDUs of a line model file (a checkpoint adds its state to them: <see cref="LineModelCheckpointFile"/>).</summary>
    internal static List<FitsHdu> Hdus(LineModel m)
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
        if (m.Name is not null) h.Set("OBJECT", FitsText.Escape(m.Name));
        for (int k = 0; k < m.Continuum.Length; k++) h.Set($"CONT{k}", m.Continuum[k]);
        if (m.Report is not null) CloneReportFits.Write(m.Report, h);
        FitsProvenance.Write(h, m.Provenance);
        var table = new FitsTable(new[]
        {
            FitsColumn.FromNumbers(BlaseColumns[0], m.Center, FitsColumnType.Double, "Angstrom"),
            FitsColumn.FromNumbers(BlaseColumns[1], m.LnAmplitude, FitsColumnType.Double),
            FitsColumn.FromNumbers(BlaseColumns[2], m.LnSigma, FitsColumnType.Double),
            FitsColumn.FromNumbers(BlaseColumns[3], m.LnGamma, FitsColumnType.Double),
        }, new FitsHeader().Set("EXTNAME", "LINES")
            .Set("TCOMM1", "line centre in Angstrom, in the medium of the template")
            .Set("TCOMM2", "natural log of the amplitude a in Angstrom (profile of unit area)")
            .Set("TCOMM3", "natural log of the Gaussian sigma in Angstrom")
            .Set("TCOMM4", "natural log of the Lorentzian half width gamma in Angstrom"));
        var hdus = new List<FitsHdu> { new FitsImage(Array.Empty<double>(), Array.Empty<int>(), 8, h), table };
        if (m.Report is not null && CloneReportFits.Table(m.Report.Training) is FitsTable training) hdus.Add(training);
        return hdus;
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
        double[] Col(string name)
        {
            var c = table.Column(name);
            // One number per line: a column of arrays would give the line model arrays of different lengths.
            if (c?.Numbers is null || c.Repeat != 1) throw new BlaseDataException($"its LINES table has no numeric column {name} with one value per line", path);
            return c.Numbers;
        }
        long nc = h.GetLong("NCONT") ?? 1;
        // NCONT counts CONTk cards, so it cannot exceed the cards the header has (nor size an array beyond them).
        if (nc < 1 || nc > h.Cards.Count) throw new BlaseDataException($"NCONT = {nc} does not match its CONTk cards", path);
        var cont = Enumerable.Range(0, (int)nc).Select(k => h.GetDouble($"CONT{k}") ?? throw new BlaseDataException($"has no CONT{k}", path)).ToArray();
        long? wingCut = h.GetLong("WINGCUT");
        if (wingCut is < 1 or > int.MaxValue) throw new BlaseDataException($"WINGCUT = {wingCut} is not a number of pixels", path);
        var m = new LineModel(Col(BlaseColumns[0]), Col(BlaseColumns[1]), Col(BlaseColumns[2]), Col(BlaseColumns[3]),
            Named<ProfileShape>(h, "PROFILE", ProfileShape.PseudoVoigt, path), Named<CombinationMode>(h, "COMBMODE", CombinationMode.Linear, path),
            cont, h.GetDouble("CONTMIN") ?? 0, h.GetDouble("CONTMAX") ?? 1)
        {
            Tolerance = h.GetDouble("WINTOL") ?? 1e-5,
            WingCut = (int?)wingCut,
            Name = h.GetString("OBJECT") is string name ? FitsText.Unescape(name) : null,
            Report = CloneReportFits.Read(h, hdus, path),
        };
        m.Provenance.AddRange(FitsProvenance.Read(h, path));
        return m;
    }

    /// <summary>An enum value written by name (PROFILE, COMBMODE); a number or an unknown name is an error, not
    /// whatever Enum.Parse makes of it.</summary>
    private static T Named<T>(FitsHeader h, string key, T fallback, string path) where T : struct, Enum
    {
        string? text = h.GetString(key)?.Trim();
        if (text is null) return fallback;
        return Enum.GetNames<T>().FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase)) is string name
            ? Enum.Parse<T>(name)
            : throw new BlaseDataException($"{key} = '{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}", path);
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
