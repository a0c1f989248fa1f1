using System.Globalization;
using System.Text;
using Blase.Engine.IO.Fits;
using Blase.Engine.Lines;
using MiniExcelLibs;

namespace Blase.Engine.IO;

/// <summary>
/// Writes flat line records (<see cref="LineRecord"/>, <see cref="Transfer.LineChange"/>) to CSV, Excel (.xlsx, through
/// MiniExcel) or a FITS binary table, by extension; atomically. The record's properties are the columns.
/// </summary>
public static class LineListWriter
{
    public static void Write<T>(IReadOnlyList<T> lines, string path) where T : notnull
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
                AtomicFile.Write(path, s => s.SaveAs(lines.Select(l => Columns.ToDictionary(c => c.Name, c => c.GetValue(l))).ToList()));
                break;
            case ".fits":
            case ".fit":
                var cols = Columns.Select(c => c.PropertyType == typeof(string)
                    ? FitsColumn.FromStrings(c.Name, lines.Select(l => (string)c.GetValue(l)!).ToArray(), 16)
                    : FitsColumn.FromNumbers(c.Name, lines.Select(l => Convert.ToDouble(c.GetValue(l), CultureInfo.InvariantCulture)).ToArray(),
                        c.PropertyType == typeof(int) ? FitsColumnType.Int32 : FitsColumnType.Double));
                var table = new FitsTable(cols, new FitsHeader().Set("EXTNAME", "LINELIST"));
                FitsFile.Write(path, new FitsHdu[] { new FitsImage(Array.Empty<double>(), Array.Empty<int>(), 8), table });
                break;
            default:
                throw new ArgumentException($"cannot tell the format from '{Path.GetExtension(path)}' (use .csv, .xlsx or .fits)");
        }
    }

    /// <summary>RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled (a stop reason, a file name).</summary>
    private static string Quoted(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";
}
