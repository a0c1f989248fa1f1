using System.Buffers.Binary;
using System.Text;

namespace Blase.Engine.IO.Fits;

/// <summary>
/// Reads and writes FITS files (standard 4.0 subset): primary and IMAGE HDUs with BITPIX 8/16/32/64/−32/−64,
/// BSCALE/BZERO and BLANK, up to 3 axes (more are read as a flat array), and BINTABLE extensions with L/B/I/J/K/A/E/D
/// columns. Other extensions (ASCII TABLE, variable-length arrays) are kept as header-only HDUs with a note.
/// Everything is big-endian; a file must consist of whole 2880-byte blocks.
/// </summary>
public static class FitsFile
{
    public const int BlockSize = 2880;

    public static IReadOnlyList<FitsHdu> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new BlaseDataException($"cannot read: {e.Message}", path, e); }
        return Read(bytes, path);
    }

    /// <summary>True when the file starts like a FITS file (SIMPLE = T in the first card).</summary>
    public static bool LooksLikeFits(string path)
    {
        try
        {
            using var fs = File.OpenRead(path);
            var head = new byte[30];
            return fs.Read(head, 0, 30) == 30 && Encoding.ASCII.GetString(head).StartsWith("SIMPLE  =") && head[29] == (byte)'T';
        }
        catch (IOException) { return false; }
    }

    public static IReadOnlyList<FitsHdu> Read(byte[] bytes, string? path = null)
    {
        if (bytes.Length < BlockSize || !Encoding.ASCII.GetString(bytes, 0, 9).Equals("SIMPLE  ="))
            throw new BlaseDataException("not a FITS file (it does not start with SIMPLE =)", path);
        var hdus = new List<FitsHdu>();
        long pos = 0;
        while (pos < bytes.Length)
        {
            int index = hdus.Count;
            var cards = ReadCards(bytes, ref pos, index, path);
            var header = FitsHeader.Parse(cards);
            long dataBytes = DataSize(header, index, path);
            long padded = (dataBytes + BlockSize - 1) / BlockSize * BlockSize;
            if (pos + dataBytes > bytes.Length)
                throw new BlaseDataException(
                    $"truncated: HDU {index} needs {dataBytes} bytes of data but the file ends {bytes.Length - pos} bytes after its header", path);
            var data = new ReadOnlySpan<byte>(bytes, (int)pos, (int)dataBytes);
            hdus.Add(Decode(header, data, index, path));
            pos += padded;
            if (pos > bytes.Length)
                throw new BlaseDataException($"truncated: HDU {index} is not padded to a whole 2880-byte block", path);
            // Trailing zero blocks (some writers add them) are not an HDU.
            if (pos < bytes.Length && bytes[(int)pos] == 0 && bytes.AsSpan((int)pos).IndexOfAnyExcept((byte)0) < 0) break;
        }
        return hdus;
    }

    private static List<string> ReadCards(byte[] bytes, ref long pos, int index, string? path)
    {
        var cards = new List<string>();
        while (true)
        {
            if (pos + BlockSize > bytes.Length)
                throw new BlaseDataException(cards.Count == 0
                    ? $"truncated: {bytes.Length - pos} stray bytes after HDU {index - 1} (a FITS file is whole 2880-byte blocks)"
                    : $"truncated: the header of HDU {index} has no END card", path);
            for (int i = 0; i < 36; i++)
            {
                string card = Encoding.ASCII.GetString(bytes, (int)pos + i * 80, 80);
                cards.Add(card);
                if (card.StartsWith("END") && card[3..].Trim().Length == 0)
                {
                    pos += BlockSize;
                    if (index > 0 && !cards[0].StartsWith("XTENSION"))
                        throw new BlaseDataException($"HDU {index} does not start with XTENSION (corrupt file?)", path);
                    return cards;
                }
            }
            pos += BlockSize;
        }
    }

    private static long DataSize(FitsHeader h, int index, string? path)
    {
        long bitpix = h.GetLong("BITPIX") ?? throw new BlaseDataException($"HDU {index} has no BITPIX", path);
        long naxis = h.GetLong("NAXIS") ?? throw new BlaseDataException($"HDU {index} has no NAXIS", path);
        if (naxis == 0) return 0;
        long size = 1;
        for (int k = 1; k <= naxis; k++)
        {
            long n = h.GetLong($"NAXIS{k}") ?? throw new BlaseDataException($"HDU {index} has NAXIS = {naxis} but no NAXIS{k}", path);
            if (n < 0) throw new BlaseDataException($"HDU {index}: NAXIS{k} = {n}", path);
            size *= n;
        }
        long gcount = h.GetLong("GCOUNT") ?? 1, pcount = h.GetLong("PCOUNT") ?? 0;
        return Math.Abs(bitpix) / 8 * gcount * (pcount + size);
    }

    private static FitsHdu Decode(FitsHeader h, ReadOnlySpan<byte> data, int index, string? path)
    {
        string xt = h.GetString("XTENSION")?.Trim() ?? (index == 0 ? "PRIMARY" : "");
        return xt switch
        {
            "PRIMARY" or "IMAGE" => DecodeImage(h, data, index, path),
            "BINTABLE" => DecodeTable(h, data, index, path),
            _ => new FitsImage(Array.Empty<double>(), Array.Empty<int>(), 8, h), // unsupported extension: header only
        };
    }

    private static FitsImage DecodeImage(FitsHeader h, ReadOnlySpan<byte> data, int index, string? path)
    {
        int bitpix = (int)h.GetLong("BITPIX")!.Value;
        int naxis = (int)h.GetLong("NAXIS")!.Value;
        var axes = Enumerable.Range(1, naxis).Select(k => (int)h.GetLong($"NAXIS{k}")!.Value).ToArray();
        long n = naxis == 0 ? 0 : axes.Aggregate(1L, (a, b) => a * b);
        double scale = h.GetDouble("BSCALE") ?? 1.0, zero = h.GetDouble("BZERO") ?? 0.0;
        long? blank = h.GetLong("BLANK");
        var values = new double[n];
        int size = Math.Abs(bitpix) / 8;
        for (long i = 0; i < n; i++)
        {
            var b = data.Slice((int)(i * size), size);
            double raw;
            bool isBlank = false;
            switch (bitpix)
            {
                case 8: raw = b[0]; isBlank = blank == b[0]; break;
                case 16: { short v = BinaryPrimitives.ReadInt16BigEndian(b); raw = v; isBlank = blank == v; break; }
                case 32: { int v = BinaryPrimitives.ReadInt32BigEndian(b); raw = v; isBlank = blank == v; break; }
                case 64: { long v = BinaryPrimitives.ReadInt64BigEndian(b); raw = v; isBlank = blank == v; break; }
                case -32: raw = BinaryPrimitives.ReadSingleBigEndian(b); break;
                case -64: raw = BinaryPrimitives.ReadDoubleBigEndian(b); break;
                default: throw new BlaseDataException($"HDU {index}: BITPIX = {bitpix} is not a FITS type", path);
            }
            values[i] = isBlank ? double.NaN : zero + scale * raw;
        }
        // Integer images with scaling are read as reals; keep Bitpix as stored for writing back.
        return new FitsImage(values, axes, bitpix, h);
    }

    private static FitsTable DecodeTable(FitsHeader h, ReadOnlySpan<byte> data, int index, string? path)
    {
        int rowBytes = (int)h.GetLong("NAXIS1")!.Value;
        int rows = (int)h.GetLong("NAXIS2")!.Value;
        int fields = (int)(h.GetLong("TFIELDS") ?? throw new BlaseDataException($"HDU {index}: BINTABLE without TFIELDS", path));
        var columns = new List<FitsColumn>();
        int offset = 0;
        for (int k = 1; k <= fields; k++)
        {
            string form = h.GetString($"TFORM{k}")?.Trim() ?? throw new BlaseDataException($"HDU {index}: no TFORM{k}", path);
            int t = 0;
            while (t < form.Length && char.IsAsciiDigit(form[t])) t++;
            int repeat = t == 0 ? 1 : int.Parse(form[..t]);
            if (t >= form.Length) throw new BlaseDataException($"HDU {index}: TFORM{k} = '{form}' has no type", path);
            char code = form[t];
            string name = h.GetString($"TTYPE{k}")?.Trim() ?? $"COL{k}";
            string? unit = h.GetString($"TUNIT{k}")?.Trim();
            if (string.IsNullOrEmpty(unit)) unit = null;
            if (code is 'P' or 'Q' or 'X' or 'C' or 'M')
            {
                // Not supported as data: skip the bytes, keep reading the others.
                int width = code switch { 'P' => 8, 'Q' => 16, 'X' => (repeat + 7) / 8, 'C' => 8 * repeat, _ => 16 * repeat };
                offset += width;
                continue;
            }
            if (!Enum.IsDefined(typeof(FitsColumnType), (int)code))
                throw new BlaseDataException($"HDU {index}: TFORM{k} = '{form}' is not a binary-table type", path);
            var col = new FitsColumn(name, (FitsColumnType)code, repeat, rows, unit);
            double scale = h.GetDouble($"TSCAL{k}") ?? 1.0, zero = h.GetDouble($"TZERO{k}") ?? 0.0;
            long? tnull = h.GetLong($"TNULL{k}");
            for (int r = 0; r < rows; r++)
            {
                var cell = data.Slice(r * rowBytes + offset, col.Width);
                ReadCell(col, cell, r, scale, zero, tnull);
            }
            columns.Add(col);
            offset += col.Width;
        }
        if (offset > rowBytes) throw new BlaseDataException($"HDU {index}: columns need {offset} bytes per row but NAXIS1 = {rowBytes}", path);
        return new FitsTable(columns, h);
    }

    private static void ReadCell(FitsColumn c, ReadOnlySpan<byte> cell, int row, double scale, double zero, long? tnull)
    {
        if (c.Type == FitsColumnType.Char)
        {
            int end = cell.IndexOf((byte)0);
            c.Strings![row] = Encoding.ASCII.GetString(end >= 0 ? cell[..end] : cell).TrimEnd();
            return;
        }
        int size = c.ElementSize;
        for (int j = 0; j < c.Repeat; j++)
        {
            var b = cell.Slice(j * size, size);
            long at = (long)row * c.Repeat + j;
            if (c.Type == FitsColumnType.Logical)
            {
                c.Logicals![at] = b[0] == (byte)'T' ? true : b[0] == (byte)'F' ? false : null;
                continue;
            }
            double v; bool isNull = false;
            switch (c.Type)
            {
                case FitsColumnType.Byte: v = b[0]; isNull = tnull == b[0]; break;
                case FitsColumnType.Int16: { short s = BinaryPrimitives.ReadInt16BigEndian(b); v = s; isNull = tnull == s; break; }
                case FitsColumnType.Int32: { int s = BinaryPrimitives.ReadInt32BigEndian(b); v = s; isNull = tnull == s; break; }
                case FitsColumnType.Int64: { long s = BinaryPrimitives.ReadInt64BigEndian(b); v = s; isNull = tnull == s; break; }
                case FitsColumnType.Float: v = BinaryPrimitives.ReadSingleBigEndian(b); break;
                default: v = BinaryPrimitives.ReadDoubleBigEndian(b); break;
            }
            c.Numbers![at] = isNull ? double.NaN : zero + scale * v;
        }
    }

    // ---------------- writing ----------------

    /// <summary>
    /// Writes the HDUs to a temporary file beside <paramref name="path"/> and renames it into place, so a failed
    /// write never leaves a partial file. The first HDU must be an image (an empty one is fine).
    /// </summary>
    public static void Write(string path, IReadOnlyList<FitsHdu> hdus, bool overwrite = true)
    {
        if (hdus.Count == 0 || hdus[0] is not FitsImage) throw new ArgumentException("a FITS file starts with an image HDU (it may be empty)");
        AtomicFile.Write(path, stream =>
        {
            for (int i = 0; i < hdus.Count; i++) WriteHdu(stream, hdus[i], i == 0);
        }, overwrite);
    }

    private static void WriteHdu(Stream s, FitsHdu hdu, bool primary)
    {
        var h = new FitsHeader();
        byte[] data;
        switch (hdu)
        {
            case FitsImage img:
                if (primary) h.Set("SIMPLE", true, "conforms to FITS standard");
                else h.Set("XTENSION", "IMAGE", "image extension");
                h.Set("BITPIX", img.Bitpix, "array data type");
                h.Set("NAXIS", img.Axes.Length, "number of array dimensions");
                for (int k = 0; k < img.Axes.Length; k++) h.Set($"NAXIS{k + 1}", img.Axes[k]);
                if (!primary) { h.Set("PCOUNT", 0); h.Set("GCOUNT", 1); }
                data = EncodeImage(img, h);
                break;
            case FitsTable tab:
                h.Set("XTENSION", "BINTABLE", "binary table extension");
                h.Set("BITPIX", 8);
                h.Set("NAXIS", 2);
                h.Set("NAXIS1", tab.Columns.Sum(c => c.Width), "bytes per row");
                h.Set("NAXIS2", tab.RowCount, "rows");
                h.Set("PCOUNT", 0);
                h.Set("GCOUNT", 1);
                h.Set("TFIELDS", tab.Columns.Count);
                for (int k = 0; k < tab.Columns.Count; k++)
                {
                    var c = tab.Columns[k];
                    h.Set($"TTYPE{k + 1}", c.Name);
                    h.Set($"TFORM{k + 1}", $"{c.Repeat}{(char)c.Type}");
                    if (c.Unit is not null) h.Set($"TUNIT{k + 1}", c.Unit);
                }
                data = EncodeTable(tab);
                break;
            default:
                throw new ArgumentException($"cannot write an HDU of type {hdu.GetType().Name}");
        }
        var structural = new HashSet<string>(h.Cards.Select(c => c.Keyword), StringComparer.OrdinalIgnoreCase);
        foreach (var card in hdu.Header.Cards)
        {
            if (!card.IsCommentary && (structural.Contains(card.Keyword) || IsStructural(card.Keyword))) continue;
            h.Add(card);
        }
        var text = string.Concat(h.Format());
        var headerBytes = Encoding.ASCII.GetBytes(text);
        s.Write(headerBytes);
        Pad(s, headerBytes.Length, (byte)' ');
        s.Write(data);
        Pad(s, data.Length, 0);
    }

    private static bool IsStructural(string key) =>
        key is "SIMPLE" or "XTENSION" or "BITPIX" or "NAXIS" or "PCOUNT" or "GCOUNT" or "TFIELDS" or "EXTEND" or "BSCALE" or "BZERO" or "BLANK"
        || (key.StartsWith("NAXIS") && key[5..].All(char.IsAsciiDigit))
        || ((key.StartsWith("TTYPE") || key.StartsWith("TFORM") || key.StartsWith("TUNIT") || key.StartsWith("TSCAL") || key.StartsWith("TZERO") || key.StartsWith("TNULL"))
            && key.Length > 5 && key[5..].All(char.IsAsciiDigit));

    private static void Pad(Stream s, long written, byte fill)
    {
        int rem = (int)(written % BlockSize);
        if (rem == 0) return;
        var pad = new byte[BlockSize - rem];
        if (fill != 0) Array.Fill(pad, fill);
        s.Write(pad);
    }

    private static byte[] EncodeImage(FitsImage img, FitsHeader h)
    {
        int size = Math.Abs(img.Bitpix) / 8;
        var bytes = new byte[img.Data.Length * size];
        bool integer = img.Bitpix > 0;
        long? blank = null;
        if (integer && img.Data.Any(double.IsNaN))
        {
            blank = img.Bitpix switch { 8 => 255, 16 => short.MinValue, 32 => int.MinValue, _ => long.MinValue };
            h.Set("BLANK", blank.Value, "value of undefined pixels");
        }
        for (int i = 0; i < img.Data.Length; i++)
        {
            var b = bytes.AsSpan(i * size, size);
            double v = img.Data[i];
            if (integer && !double.IsNaN(v) && v != Math.Round(v))
                throw new ArgumentException($"pixel {i} = {v} is not an integer; use BITPIX -32 or -64");
            switch (img.Bitpix)
            {
                case 8: b[0] = double.IsNaN(v) ? (byte)blank!.Value : checked((byte)v); break;
                case 16: BinaryPrimitives.WriteInt16BigEndian(b, double.IsNaN(v) ? (short)blank!.Value : checked((short)v)); break;
                case 32: BinaryPrimitives.WriteInt32BigEndian(b, double.IsNaN(v) ? (int)blank!.Value : checked((int)v)); break;
                case 64: BinaryPrimitives.WriteInt64BigEndian(b, double.IsNaN(v) ? blank!.Value : checked((long)v)); break;
                case -32: BinaryPrimitives.WriteSingleBigEndian(b, (float)v); break;
                default: BinaryPrimitives.WriteDoubleBigEndian(b, v); break;
            }
        }
        return bytes;
    }

    private static byte[] EncodeTable(FitsTable t)
    {
        int rowBytes = t.Columns.Sum(c => c.Width);
        var bytes = new byte[(long)rowBytes * t.RowCount];
        int offset = 0;
        foreach (var c in t.Columns)
        {
            for (int r = 0; r < t.RowCount; r++)
            {
                var cell = bytes.AsSpan(r * rowBytes + offset, c.Width);
                if (c.Type == FitsColumnType.Char)
                {
                    var str = c.Strings![r] ?? "";
                    if (str.Length > c.Repeat) throw new ArgumentException($"column {c.Name}, row {r}: '{str}' is longer than {c.Repeat} characters");
                    Encoding.ASCII.GetBytes(str).CopyTo(cell);
                    cell[str.Length..].Fill((byte)' ');
                    continue;
                }
                for (int j = 0; j < c.Repeat; j++)
                {
                    var b = cell.Slice(j * c.ElementSize, c.ElementSize);
                    long at = (long)r * c.Repeat + j;
                    if (c.Type == FitsColumnType.Logical)
                    {
                        b[0] = c.Logicals![at] switch { true => (byte)'T', false => (byte)'F', null => 0 };
                        continue;
                    }
                    double v = c.Numbers![at];
                    switch (c.Type)
                    {
                        case FitsColumnType.Byte: b[0] = checked((byte)v); break;
                        case FitsColumnType.Int16: BinaryPrimitives.WriteInt16BigEndian(b, checked((short)v)); break;
                        case FitsColumnType.Int32: BinaryPrimitives.WriteInt32BigEndian(b, checked((int)v)); break;
                        case FitsColumnType.Int64: BinaryPrimitives.WriteInt64BigEndian(b, checked((long)v)); break;
                        case FitsColumnType.Float: BinaryPrimitives.WriteSingleBigEndian(b, (float)v); break;
                        default: BinaryPrimitives.WriteDoubleBigEndian(b, v); break;
                    }
                }
            }
            offset += c.Width;
        }
        return bytes;
    }
}
