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
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
            {
                using var s = entry.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                arrays[entry.FullName[..^4]] = Parse(ms.ToArray(), $"{path}:{entry.FullName}");
            }
            return arrays;
        }
        catch (InvalidDataException e)
        {
            throw new BlaseDataException($"is not a readable .npz archive: {e.Message}", path, e);
        }
    }

    public static NpyArray Parse(byte[] bytes, string where)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new BlaseDataException("is not a NumPy array (bad magic)", where);
        int major = bytes[6];
        int headerLen, start;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); start = 10; }
        else { headerLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); start = 12; }
        string header = Encoding.Latin1.GetString(bytes, start, headerLen);
        var descr = DescrPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success) throw new BlaseDataException($"has an unreadable header: {header.Trim()}", where);
        bool fortran = header.Contains("'fortran_order': True");
        string d = descr.Groups[1].Value;
        int[] dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        long n = dims.Aggregate(1L, (a, b) => a * b);
        char order = d[0], kind = d[1];
        int size = int.Parse(d[2..]);
        bool big = order == '>';
        int data = start + headerLen;
        if (data + n * size > bytes.Length) throw new BlaseDataException($"is truncated: {n} values of {size} bytes do not fit", where);
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
}
