using Blase.Engine.IO.Fits;
using Blase.Engine.Spectra;

namespace Blase.Engine.IO.Formats;

/// <summary>
/// Spectra stored as a FITS binary table: columns for wavelength, flux and optionally uncertainty, mask and order
/// (the layout <see cref="SpectrumWriter"/> writes). A table whose wavelength cells are arrays holds one order per row.
/// </summary>
public static class FitsTableSpectrumReader
{
    public static FitsColumn? FindWavelengthColumn(FitsTable t) =>
        ColumnNames.Find(t.Columns.Select(c => c.Name).ToList(), ColumnNames.Wavelength) is var i and >= 0 ? t.Columns[i] : null;

    public static Spectrum Read(string path, IReadOnlyList<FitsHdu> hdus, SpectrumReadOptions options)
    {
        var table = hdus.OfType<FitsTable>().FirstOrDefault(t => options.WavelengthColumn is not null || FindWavelengthColumn(t) is not null)
                    ?? throw new BlaseDataException("has no binary table with a wavelength column");
        var names = table.Columns.Select(c => c.Name).ToList();
        // Every column used holds the same number of values per row as the wavelengths (one, or one order per row);
        // only the mask may be logical.
        int? perRow = null;
        FitsColumn Pick(string? choice, IReadOnlyList<string> defaults, string what, bool required, bool logicalAllowed = false)
        {
            int i = choice is not null ? ColumnNames.Resolve(choice, names, what) : ColumnNames.Find(names, defaults);
            if (i < 0)
                return required ? throw new BlaseDataException($"has no {what} column (columns: {string.Join(", ", names)})") : null!;
            var c = table.Columns[i];
            if (c.Numbers is null && !(logicalAllowed && c.Logicals is not null))
                throw new BlaseDataException($"{what} column '{names[i]}' is not numeric");
            perRow ??= c.Repeat;
            if (c.Repeat != perRow)
                throw new BlaseDataException($"{what} column '{names[i]}' has {c.Repeat} values per row, the wavelength column {perRow}");
            return c;
        }
        var wl = Pick(options.WavelengthColumn, ColumnNames.Wavelength, "wavelength", true);
        var fl = Pick(options.FluxColumn, ColumnNames.Flux, "flux", true);
        var un = Pick(options.UncertaintyColumn, ColumnNames.Uncertainty, "uncertainty", false);
        var mk = Pick(null, ColumnNames.Mask, "mask", false, logicalAllowed: true);
        perRow = 1; // the order number is one per row whatever the wavelengths are
        var ord = wl.Repeat > 1 ? null : Pick(null, ColumnNames.Order, "order", false);

        var header = table.Header;
        WavelengthUnit unit = options.WavelengthUnit
            ?? (WavelengthUnits.TryParse(wl.Unit, out var u) ? u : WavelengthUnits.Guess(Statistics.Median(wl.Numbers!.Where(double.IsFinite).Take(4096))));
        double k = WavelengthUnits.AngstromsPer(unit);
        WavelengthMedium? stated = (header.GetString("BLASEMED") ?? hdus[0].Header.GetString("BLASEMED"))?.Trim().ToLowerInvariant() switch
        {
            "air" => WavelengthMedium.Air,
            "vacuum" => WavelengthMedium.Vacuum,
            _ => null,
        };
        var medium = options.MediumOf(stated, "its BLASEMED keyword", WavelengthMedium.Vacuum);

        var orders = new List<SpectralOrder>();
        if (wl.Repeat > 1)
        {
            for (int r = 0; r < table.RowCount; r++)
                orders.Add(SpectralOrder.FromArrays(r, Row(wl, r, k), Row(fl, r, 1), un is null ? null : Row(un, r, 1), mk is null ? null : MaskRow(mk, r)));
        }
        else
        {
            var orderOf = ord?.Numbers ?? new double[table.RowCount];
            foreach (var group in Enumerable.Range(0, table.RowCount).GroupBy(i => (int)orderOf[i]))
            {
                var idx = group.ToArray();
                orders.Add(SpectralOrder.FromArrays(group.Key,
                    idx.Select(i => wl.Numbers![i] * k).ToArray(),
                    idx.Select(i => fl.Numbers![i]).ToArray(),
                    un is null ? null : idx.Select(i => un.Numbers![i]).ToArray(),
                    mk is null ? null : idx.Select(i => MaskValue(mk, i)).ToArray()));
            }
        }

        // Metadata lives in the primary header, or in the table's own (the WASP-69 file keeps it there).
        var meta = SpectrumReader.MetadataFrom(hdus[0].Header, path, SpectrumFormat.FitsTable);
        var fromTable = SpectrumReader.MetadataFrom(header, path, SpectrumFormat.FitsTable);
        meta.Object ??= fromTable.Object;
        meta.Instrument ??= fromTable.Instrument;
        meta.Telescope ??= fromTable.Telescope;
        meta.ObservationDate ??= fromTable.ObservationDate;
        meta.BarycentricCorrection ??= fromTable.BarycentricCorrection;
        foreach (var (key, set) in new (string, Action<double>)[]
                 { ("PHXTEFF", v => meta.Teff = v), ("PHXLOGG", v => meta.LogG = v), ("PHXM_H", v => meta.Metallicity = v), ("PHXALPHA", v => meta.Alpha = v) })
            if ((hdus[0].Header.GetDouble(key) ?? header.GetDouble(key)) is double v) set(v);

        if (hdus[0].Header.GetString(SpectrumWriter.TextKeyword) is not null)
        {
            // Blase wrote it: text is escaped, and the source's spelling of the flux unit was kept.
            static string? Text(string? s) => s is null ? null : FitsText.Unescape(s);
            meta.Object = Text(meta.Object);
            meta.Instrument = Text(meta.Instrument);
            meta.Telescope = Text(meta.Telescope);
            meta.ObservationDate = Text(meta.ObservationDate);
            meta.FluxUnit = Text(hdus[0].Header.GetString(SpectrumWriter.SourceUnitKeyword)) ?? meta.FluxUnit;
        }

        var steps = new List<string> { $"read FITS table columns {wl.Name}/{fl.Name}{(un is null ? "" : "/" + un.Name)}, wavelengths in {WavelengthUnits.Symbol(unit)}" };
        steps.AddRange(FitsProvenance.Read(hdus[0].Header, path));
        return new Spectrum(orders, WavelengthUnit.Angstrom, medium, meta, steps);
    }

    private static double[] Row(FitsColumn c, int r, double k) => c.Numbers!.AsSpan(r * c.Repeat, c.Repeat).ToArray().Select(v => v * k).ToArray();

    private static bool[] MaskRow(FitsColumn c, int r) => Enumerable.Range(r * c.Repeat, c.Repeat).Select(i => MaskValue(c, i)).ToArray();

    private static bool MaskValue(FitsColumn c, int i) => c.Logicals is not null ? c.Logicals[i] == true : c.Numbers![i] != 0;
}
