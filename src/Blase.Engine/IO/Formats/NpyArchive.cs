using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Blase.Engine.IO.Formats;

/// <summary>One array from a NumPy .npy/.npz file: its shape and values as doubles (booleans as 0/1).</summary>
public sealed record NpyArray(int[] Shape, double[] Values)
{
    public int Length => Values.Length;
}

/// <summary>
/// Reads NumPy .npz archives (zip of .npy arrays, format versions 1–3): little- or big-endian floats and integers
/// and booleans, C or Fortran order (Fortran arrays are returned in C order).
/// </summary>
public static partial class NpyArchive
{
    public static Dictionary<string, NpyArray> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
            {
                using var s = entry.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                arrays[entry.FullName[..^4]] = Parse(ms.ToArray(), $"{path}:{entry.FullName}");
            }
        }
        // A damaged zip shows as bad data, an unknown compression method (a flipped byte in an entry header) or an
        // entry that ends early: all mean the archive cannot be read.
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or EndOfStreamException)
        {
            throw new BlaseDataException($"is not a readable .npz archive: {e.Message}", path, e);
        }
        // Every caller wants arrays: an archive without any (entries renamed or lost) is unusable, and saying so here
        // is clearer than each caller finding an empty dictionary.
        if (arrays.Count == 0) throw new BlaseDataException("holds no .npy arrays (is it a NumPy .npz archive?)", path);
        return arrays;
    }

    public static NpyArray Parse(byte[] bytes, string where)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new BlaseDataException("is not a NumPy array (bad magic)", where);
        // Versions 1.0 (2-byte header length) and 2.0/3.0 (4-byte); the header length is checked against the bytes
        // there are before it is used.
        int major = bytes[6];
        long headerLen;
        int start;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); start = 10; }
        else if (major is 2 or 3 && bytes.Length >= 12) { headerLen = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); start = 12; }
        else throw new BlaseDataException($"is a NumPy array of format version {major}, which Blase does not read (1 to 3)", where);
        if (headerLen > bytes.Length - start) throw new BlaseDataException($"is truncated: its header says {headerLen} bytes, {bytes.Length - start} follow", where);
        string header = Encoding.Latin1.GetString(bytes, start, (int)headerLen);
        var descr = DescrPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success) throw new BlaseDataException($"has an unreadable header: {Shorten(header)}", where);
        bool fortran = header.Contains("'fortran_order': True");
        string d = descr.Groups[1].Value;
        var type = TypePattern().Match(d);
        if (!type.Success) throw new BlaseDataException($"has dtype '{Shorten(d)}', which Blase does not read", where);
        char order = d[0], kind = type.Groups[1].Value[0];
        int size = type.Groups[2].Value[0] - '0';
        bool big = order == '>';

        // The shape sizes the array: each dimension is checked, and their product is compared with the bytes there
        // are (capped, so that neither an overflow nor a huge allocation can come from a damaged header).
        long data = start + headerLen, available = (bytes.Length - data) / Math.Max(size, 1);
        string shapeText = shape.Groups[1].Value.Trim();
        var cells = shapeText.Length == 0 ? Array.Empty<string>() : shapeText.Split(',', StringSplitOptions.TrimEntries); // () is a scalar
        if (cells.Length > 1 && cells[^1].Length == 0) cells = cells[..^1]; // the trailing comma of (n,)
        var dims = new int[cells.Length];
        long n = 1;
        for (int k = 0; k < cells.Length; k++)
        {
            if (!int.TryParse(cells[k], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out dims[k]))
                throw new BlaseDataException($"has shape ({Shorten(shape.Groups[1].Value)}), which is not a list of array sizes", where);
            n = dims[k] == 0 || n == 0 ? 0 : Math.Min(n * dims[k], available + 1);
        }
        if (n > available) throw new BlaseDataException($"is truncated: shape ({string.Join(",", dims)}) needs more than the {available} values of {size} bytes there are", where);
        var values = new double[n];
        for (long i = 0; i < n; i++)
        {
            var b = bytes.AsSpan((int)(data + i * size), size);
            values[i] = (kind, size) switch
            {
                ('f', 8) => big ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b),
                ('f', 4) => big ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
                ('i', 8) => big ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b),
                ('i', 4) => big ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b),
                ('i', 2) => big ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
                ('i', 1) => (sbyte)b[0],
                ('u', 1) or ('b', 1) => b[0],
                _ => throw new BlaseDataException($"has dtype '{d}', which Blase does not read", where),
            };
        }
        if (fortran && dims.Length > 1) values = ToCOrder(values, dims);
        return new NpyArray(dims, values);
    }

    private static string Shorten(string s) => s.Length > 80 ? s[..80].Trim() + "…" : s.Trim();

    private static double[] ToCOrder(double[] f, int[] dims)
    {
        var c = new double[f.Length];
        var idx = new int[dims.Length];
        for (int k = 0; k < f.Length; k++)
        {
            // k walks C order; find the Fortran offset of the same multi-index.
            int rem = k;
            for (int d = dims.Length - 1; d >= 0; d--) { idx[d] = rem % dims[d]; rem /= dims[d]; }
            int off = 0, stride = 1;
            for (int d = 0; d < dims.Length; d++) { off += idx[d] * stride; stride *= dims[d]; }
            c[k] = f[off];
        }
        return c;
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    /// <summary>A dtype Blase can read: byte order, kind (float, signed, unsigned, bool) and a size in bytes.</summary>
    [GeneratedRegex(@"^[<>|=]([fiub])([1-8])$")]
    private static partial Regex TypePattern();
}
