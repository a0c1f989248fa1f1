using System.Globalization;
using System.Text;
using Blase.Engine.IO.Fits;
using Blase.Engine.Lines;
using MiniExcelLibs;

namespace Blase.Engine.IO;

/// <summary>
/// Writes flat line records (<see cref="LineRecord"/>, <see cref="Transfer.LineChange"/>) to CSV, Excel (.xlsx, through
/// MiniExcel) or a FITS binary table, by extension; atomically. The record's properties are the columns. In FITS, a column
/// whose name ends in Angstrom, and the amplitudes (a, in Å: the profile has unit area), carry TUNITn = 'Angstrom'; the
/// ln columns carry no unit (FITS readers do not parse the unit of a logarithm) and TCOMMn says what they are.
/// </summary>
public static class LineListWriter
{
    /// <summary>
    /// Writes the lines; an Excel workbook gets them on a sheet "lines" (numbers as numeric cells) and a sheet "summary":
    /// the rows of <paramref name="summary"/> (the model's name, fit and provenance, <see cref="LineListSummary"/>), then
    /// the unit and meaning of every column of the lines.
    /// </summary>
    public static void Write<T>(IReadOnlyList<T> lines, string path, IReadOnlyList<LineListSummaryRow>? summary = null) where T : notnull
    {
        var Columns = typeof(T).GetProperties();
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".csv":
                AtomicFile.Write(path, s =>
                {
                    using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                    w.WriteLine(string.Join(',', Columns.Select(c => c.Name)));
                    foreach (var l in lines)
                        w.WriteLine(string.Join(',', Columns.Select(c => c.GetValue(l) switch
                        {
                            double d => d.ToString("R", CultureInfo.InvariantCulture),
                            var v => Quoted(Convert.ToString(v, CultureInfo.InvariantCulture) ?? ""),
                        })));
                });
                break;
            case ".xlsx":
                var units = Columns.Select(c => new LineListSummaryRow($"Column {c.Name}", Comment(c.Name) ?? "", Unit(c.Name) ?? ""));
                var sheets = new Dictionary<string, object>
                {
                    ["lines"] = lines.Select(l => Columns.ToDictionary(c => c.Name, c => c.GetValue(l))).ToList(),
                    ["summary"] = (summary ?? Array.Empty<LineListSummaryRow>()).Concat(units)
                        .Select(r => new Dictionary<string, object> { ["Item"] = r.Item, ["Value"] = r.Value, ["Unit"] = r.Unit }).ToList(),
                };
                AtomicFile.Write(path, s => s.SaveAs(sheets));
                break;
            case ".fits":
            case ".fit":
                // Text cells (model names, profiles) are escaped to ASCII as header text is (FitsText).
                var cols = Columns.Select(c => c.PropertyType == typeof(string)
                    ? FitsColumn.FromStrings(c.Name, lines.Select(l => FitsText.Escape((string?)c.GetValue(l) ?? "")).ToArray(),
                        Math.Max(16, lines.Select(l => FitsText.Escape((string?)c.GetValue(l) ?? "").Length).DefaultIfEmpty(0).Max()))
                    : FitsColumn.FromNumbers(c.Name, lines.Select(l => Convert.ToDouble(c.GetValue(l), CultureInfo.InvariantCulture)).ToArray(),
                        c.PropertyType == typeof(int) ? FitsColumnType.Int32 : FitsColumnType.Double, Unit(c.Name)));
                var header = new FitsHeader().Set("EXTNAME", "LINELIST");
                for (int k = 0; k < Columns.Length; k++)
                    if (Comment(Columns[k].Name) is string comment) header.Set($"TCOMM{k + 1}", comment);
                var table = new FitsTable(cols, header);
                FitsFile.Write(path, new FitsHdu[] { new FitsImage(Array.Empty<double>(), Array.Empty<int>(), 8), table });
                break;
            default:
                throw new ArgumentException($"cannot tell the format from '{Path.GetExtension(path)}' (use .csv, .xlsx or .fits)");
        }
    }

    /// <summary>RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled (a stop reason, a file name).</summary>
    private static string Quoted(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    /// <summary>The FITS unit of a record column, by its name; null for numbers without a unit (depths, indices, logarithms).</summary>
    private static string? Unit(string column) =>
        column.EndsWith("Angstrom", StringComparison.Ordinal) || column is "Amplitude" or "AmplitudeBefore" ? "Angstrom" : null;

    private static string? Comment(string column) => column switch
    {
        "LnAmplitude" => "natural log of Amplitude, a in Angstrom",
        "LnSigma" => "natural log of SigmaAngstrom, the Gaussian sigma in Angstrom",
        "LnGamma" => "natural log of GammaAngstrom, the Lorentzian half width in Angstrom",
        "Amplitude" or "AmplitudeBefore" => "line strength a (profile of unit area)",
        "Depth" or "DepthBefore" => "the line's own absorption at its centre, 1 - S(center)",
        _ => null,
    };
}
