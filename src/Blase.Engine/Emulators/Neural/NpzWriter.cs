using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Blase.Engine.Emulators.Neural;

/// <summary>
/// Writes a NumPy .npz archive (a zip of .npy files, format 1.0, little-endian float64 in C order), atomically, as
/// numpy.savez does: numpy.load reads it, and so does Blase's own reader. Text entries (not arrays) may ride along; numpy
/// lists them but leaves them alone.
/// </summary>
public static class NpzWriter
{
    public static void Write(string path, IReadOnlyList<(string Name, int[] Shape, double[] Values)> arrays,
        IReadOnlyDictionary<string, string>? text = null)
    {
        IO.AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, shape, values) in arrays)
            {
                using var s = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression).Open();
                WriteNpy(s, shape, values);
            }
            foreach (var (name, content) in text ?? new Dictionary<string, string>())
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(Encoding.UTF8.GetBytes(content));
            }
        });
    }

    private static void WriteNpy(Stream s, int[] shape, double[] values)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        if (n != values.Length) throw new ArgumentException($"shape ({string.Join(",", shape)}) holds {n} values, not {values.Length}");
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({dims}), }}";
        // The magic, version and length take 10 bytes; the header is padded with spaces and ends in \n so the data start
        // on a multiple of 64 bytes.
        int total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";
        var head = new byte[10];
        head[0] = 0x93; Encoding.ASCII.GetBytes("NUMPY").CopyTo(head, 1); head[6] = 1; head[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)header.Length);
        s.Write(head);
        s.Write(Encoding.ASCII.GetBytes(header));
        var buffer = new byte[8 * 4096];
        for (int i = 0; i < values.Length; i += 4096)
        {
            int count = Math.Min(4096, values.Length - i);
            for (int j = 0; j < count; j++) BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(8 * j), values[i + j]);
            s.Write(buffer, 0, 8 * count);
        }
    }
}
