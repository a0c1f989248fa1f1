using System.Globalization;
using Blase.Engine.Spectra;

namespace Blase.Engine.IO.Formats;

/// <summary>
/// Delimited text spectra: tab, comma, semicolon or white space between columns; lines starting with #, % or !
/// are comments; an optional header row names the columns. Columns are chosen by name or number, else by the usual
/// names, else the first two (and a third only when the file has exactly three). The wavelength unit comes from the
/// options, else from the column name (wavelength_A, wave[nm]), else from the values' magnitude (recorded in provenance).
/// </summary>
public static class TextSpectrumReader
{
    public static Spectrum Read(string path, SpectrumReadOptions options)
    {
        var rows = new List<double[]>();
        List<string>? header = null;
        char[]? delimiters = null;
        int lineNo = 0, width = -1;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or '%' or '!') continue;
            delimiters ??= line.Contains('\t') ? new[] { '\t' } : line.Contains(',') ? new[] { ',' } : line.Contains(';') ? new[] { ';' } : new[] { ' ' };
            // Tabs and spaces may repeat as padding; a comma or semicolon always separates two cells.
            var cells = line.Split(delimiters, delimiters[0] is ' ' or '\t' ? StringSplitOptions.RemoveEmptyEntries : StringSplitOptions.None)
                .Select(c => c.Trim()).ToArray();
            var values = new double[cells.Length];
            bool numeric = true;
            for (int i = 0; i < cells.Length && numeric; i++)
                numeric = TryParse(cells[i], out values[i]);
            if (!numeric)
            {
                if (rows.Count == 0 && header is null) { header = cells.ToList(); continue; }
                throw new BlaseDataException($"line {lineNo} is not numbers: '{Shorten(raw)}'");
            }
            if (width < 0) width = cells.Length;
            else if (cells.Length != width)
                throw new BlaseDataException($"line {lineNo} has {cells.Length} columns, earlier lines have {width}");
            rows.Add(values);
        }
        if (rows.Count == 0) throw new BlaseDataException("holds no rows of numbers");
        if (width < 2) throw new BlaseDataException("needs at least two columns (wavelength and flux)");
        bool named = header is not null;
        header ??= Enumerable.Range(1, width).Select(i => $"column{i}").ToList();
        if (header.Count != width) throw new BlaseDataException($"the header names {header.Count} columns but the rows have {width}");

        int wi = Choose(options.WavelengthColumn, header, ColumnNames.Wavelength, 0, "wavelength");
        int fi = Choose(options.FluxColumn, header, ColumnNames.Flux, wi == 0 ? 1 : 0, "flux");
        int ui = options.UncertaintyColumn is not null
            ? ColumnNames.Resolve(options.UncertaintyColumn, header, "uncertainty")
            : ColumnNames.Find(header, ColumnNames.Uncertainty) is var found and >= 0 ? found
            : !named && width == 3 ? 2 : -1;
        int oi = ColumnNames.Find(header, ColumnNames.Order);
        int mi = ColumnNames.Find(header, ColumnNames.Mask);

        var wave = rows.Select(r => r[wi]).ToArray();
        string unitNote;
        WavelengthUnit unit;
        if (options.WavelengthUnit is { } given) { unit = given; unitNote = "as given"; }
        else if (ColumnNames.UnitIn(header[wi]) is { } nameUnit) { unit = nameUnit; unitNote = $"from the column name '{header[wi]}'"; }
        else { unit = WavelengthUnits.Guess(Statistics.Median(wave.Where(double.IsFinite).Take(4096))); unitNote = "guessed from the values; give -WavelengthUnit if wrong"; }
        double k = WavelengthUnits.AngstromsPer(unit);

        var orders = new List<SpectralOrder>();
        foreach (var g in Enumerable.Range(0, rows.Count).GroupBy(i => oi >= 0 ? (int)rows[i][oi] : 0))
        {
            var idx = g.ToArray();
            orders.Add(SpectralOrder.FromArrays(g.Key,
                idx.Select(i => rows[i][wi] * k).ToArray(),
                idx.Select(i => rows[i][fi]).ToArray(),
                ui < 0 ? null : idx.Select(i => rows[i][ui]).ToArray(),
                mi < 0 ? null : idx.Select(i => rows[i][mi] != 0).ToArray()));
        }
        var meta = new SpectrumMetadata
        {
            SourcePath = Path.GetFullPath(path),
            SourceFormat = SpectrumFormat.Text.ToString(),
            Object = Path.GetFileNameWithoutExtension(path),
        };
        var steps = new[]
        {
            $"read text columns {header[wi]}/{header[fi]}{(ui < 0 ? "" : "/" + header[ui])}; wavelengths in {WavelengthUnits.Symbol(unit)} ({unitNote})" +
            (unit == WavelengthUnit.Angstrom ? "" : ", converted to Å"),
        };
        return new Spectrum(orders, WavelengthUnit.Angstrom, options.Medium ?? WavelengthMedium.Vacuum, meta, steps);
    }

    private static int Choose(string? choice, List<string> header, IReadOnlyList<string> names, int fallback, string what)
    {
        if (choice is not null) return ColumnNames.Resolve(choice, header, what);
        int i = ColumnNames.Find(header, names);
        return i >= 0 ? i : fallback;
    }

    private static bool TryParse(string s, out double v)
    {
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v)) return true;
        switch (s.ToLowerInvariant())
        {
            case "nan": v = double.NaN; return true;
            case "inf": case "+inf": case "infinity": v = double.PositiveInfinity; return true;
            case "-inf": case "-infinity": v = double.NegativeInfinity; return true;
            default: return double.TryParse(s.Replace('D', 'E').Replace('d', 'e'), NumberStyles.Float, CultureInfo.InvariantCulture, out v);
        }
    }

    private static string Shorten(string s) => s.Length > 60 ? s[..60] + "…" : s;
}
