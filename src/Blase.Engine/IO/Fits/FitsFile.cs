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
            var layout = ReadLayout(header, index, bytes.Length - pos, path);
            long padded = (layout.DataBytes + BlockSize - 1) / BlockSize * BlockSize;
            var data = new ReadOnlySpan<byte>(bytes, (int)pos, (int)layout.DataBytes);
            hdus.Add(layout.Kind switch
            {
                "PRIMARY" or "IMAGE" => DecodeImage(header, layout, data, index, path),
                "BINTABLE" => DecodeTable(header, layout, data, index, path),
                _ => new FitsImage(Array.Empty<double>(), Array.Empty<int>(), 8, header), // unsupported extension: header only
            });
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

    /// <summary>What an HDU holds, from its structural keywords, checked: the kind (PRIMARY, IMAGE, BINTABLE, …),
    /// BITPIX, the axes and the number of data bytes, which is known to fit in the file.</summary>
    private sealed record HduLayout(string Kind, int Bitpix, int[] Axes, long DataBytes);

    /// <summary>
    /// Reads the structural keywords and checks them before anything is sized from them. Every size in a header is
    /// a claim about the bytes that follow; a corrupt NAXISn, PCOUNT or GCOUNT must end in a clear error, not in an
    /// overflow, a negative slice or an array allocated from it. So the data size is built up capped at the
    /// <paramref name="available"/> bytes left in the file, and anything beyond them is an error.
    /// </summary>
    private static HduLayout ReadLayout(FitsHeader h, int index, long available, string? path)
    {
        BlaseDataException Bad(string problem) => new($"HDU {index}: {problem}", path);
        long Need(string key) => h.GetLong(key) ?? throw Bad(h.Contains(key) ? $"{key} = '{h.GetString(key)}' is not an integer" : $"no {key}");

        // The primary HDU is an image whatever its header says: XTENSION belongs to extensions.
        string kind = index == 0 ? "PRIMARY" : h.GetString("XTENSION")?.Trim() ?? "";
        long bitpix = Need("BITPIX");
        if (bitpix is not (8 or 16 or 32 or 64 or -32 or -64)) throw Bad($"BITPIX = {bitpix} is not a FITS type");
        long naxis = Need("NAXIS");
        if (naxis is < 0 or > 999) throw Bad($"NAXIS = {naxis} (FITS allows 0 to 999)");
        var axes = new int[naxis];
        long elements = naxis == 0 ? 0 : 1;
        for (int k = 1; k <= naxis; k++)
        {
            long n = Need($"NAXIS{k}");
            if (n is < 0 or > int.MaxValue) throw Bad($"NAXIS{k} = {n} is not a possible axis length");
            axes[k - 1] = (int)n;
            elements = CappedProduct(elements, n, available);
        }
        long pcount = h.GetLong("PCOUNT") ?? 0, gcount = h.GetLong("GCOUNT") ?? 1;
        if (pcount < 0) throw Bad($"PCOUNT = {pcount} is negative");
        if (gcount < 1) throw Bad($"GCOUNT = {gcount} (it must be at least 1)");
        if (kind is "PRIMARY" or "IMAGE" && (pcount != 0 || gcount != 1))
            throw Bad($"an image has PCOUNT = 0 and GCOUNT = 1 (this one has {pcount} and {gcount}; random groups are not supported)");
        if (kind == "BINTABLE" && (bitpix != 8 || naxis != 2 || gcount != 1))
            throw Bad($"a binary table has BITPIX = 8, NAXIS = 2 and GCOUNT = 1 (this one has {bitpix}, {naxis} and {gcount})");

        long bytes = CappedProduct(CappedProduct(Math.Abs(bitpix) / 8, gcount, available), Math.Min(pcount, available + 1) + elements, available);
        if (bytes > available)
            throw new BlaseDataException(
                $"truncated: HDU {index} declares more data (NAXISn, PCOUNT, GCOUNT) than the {available} bytes left in the file after its header", path);
        return new HduLayout(kind, (int)bitpix, axes, bytes);
    }

    /// <summary>a·b for non-negative a and b, or <paramref name="cap"/> + 1 when it would exceed <paramref name="cap"/>
    /// (so that a product of header values can neither overflow nor pass for a small number).</summary>
    private static long CappedProduct(long a, long b, long cap)
    {
        if (a == 0 || b == 0) return 0;
        return a > (cap + 1) / b ? cap + 1 : Math.Min(a * b, cap + 1);
    }

    private static FitsImage DecodeImage(FitsHeader h, HduLayout layout, ReadOnlySpan<byte> data, int index, string? path)
    {
        int bitpix = layout.Bitpix;
        var axes = layout.Axes;
        long n = axes.Length == 0 ? 0 : axes.Aggregate(1L, (a, b) => a * b); // ≤ the data bytes: checked by ReadLayout
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
                default: raw = BinaryPrimitives.ReadDoubleBigEndian(b); break;
            }
            values[i] = isBlank ? double.NaN : zero + scale * raw;
        }
        // Integer images with scaling are read as reals; keep Bitpix as stored for writing back.
        return new FitsImage(values, axes, bitpix, h);
    }

    private static FitsTable DecodeTable(FitsHeader h, HduLayout layout, ReadOnlySpan<byte> data, int index, string? path)
    {
        int rowBytes = layout.Axes[0], rows = layout.Axes[1]; // rows × rowBytes ≤ the data bytes: checked by ReadLayout
        long fields = h.GetLong("TFIELDS") ?? throw new BlaseDataException($"HDU {index}: BINTABLE without TFIELDS", path);
        if (fields is < 0 or > 999) throw new BlaseDataException($"HDU {index}: TFIELDS = {fields} (FITS allows 0 to 999)", path);
        var columns = new List<FitsColumn>();
        long offset = 0;
        for (int k = 1; k <= fields; k++)
        {
            string form = h.GetString($"TFORM{k}")?.Trim() ?? throw new BlaseDataException($"HDU {index}: no TFORM{k}", path);
            int t = 0;
            while (t < form.Length && char.IsAsciiDigit(form[t])) t++;
            if (t >= form.Length) throw new BlaseDataException($"HDU {index}: TFORM{k} = '{form}' has no type", path);
            // A repeat count is checked against the row width before it sizes anything (a column of 10⁹ doubles in
            // a 24-byte row is a corrupt header, not a reason to allocate 8 GB).
            long repeat = 1;
            if (t > 0 && !long.TryParse(form.AsSpan(0, t), out repeat) || repeat > 8L * rowBytes)
                throw new BlaseDataException($"HDU {index}: TFORM{k} = '{form}' does not fit in a row of NAXIS1 = {rowBytes} bytes", path);
            char code = form[t];
            string name = h.GetString($"TTYPE{k}")?.Trim() ?? $"COL{k}";
            string? unit = h.GetString($"TUNIT{k}")?.Trim();
            if (string.IsNullOrEmpty(unit)) unit = null;
            bool supported = Enum.IsDefined(typeof(FitsColumnType), (int)code);
            long width = code switch
            {
                'P' => 8, 'Q' => 16, 'X' => (repeat + 7) / 8, 'C' => 8 * repeat, 'M' => 16 * repeat,
                _ when supported => repeat * FitsColumn.SizeOf((FitsColumnType)code),
                _ => throw new BlaseDataException($"HDU {index}: TFORM{k} = '{form}' is not a binary-table type", path),
            };
            if (offset + width > rowBytes)
                throw new BlaseDataException($"HDU {index}: columns 1–{k} need {offset + width} bytes per row but NAXIS1 = {rowBytes}", path);
            // Variable-length, bit, complex and empty (repeat 0) columns hold no values Blase reads: skip their bytes.
            if (!supported || repeat == 0)
            {
                offset += width;
                continue;
            }
            var col = new FitsColumn(name, (FitsColumnType)code, (int)repeat, rows, unit);
            double scale = h.GetDouble($"TSCAL{k}") ?? 1.0, zero = h.GetDouble($"TZERO{k}") ?? 0.0;
            long? tnull = h.GetLong($"TNULL{k}");
            for (int r = 0; r < rows; r++)
            {
                var cell = data.Slice(r * rowBytes + (int)offset, col.Width);
                ReadCell(col, cell, r, scale, zero, tnull);
            }
            columns.Add(col);
            offset += width;
        }
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
