using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Blase.Engine.Tests.Fuzz;

/// <summary>A damaged copy of a real file and what was done to it (shown when a case fails).</summary>
public sealed record Mutant(string Description, byte[] Bytes);

/// <summary>
/// Makes damaged copies of real files, deterministically from a seed: generic byte damage (truncation, flipped bytes,
/// zeroed, duplicated, inserted and deleted blocks, extreme integers) aimed mostly at the parts of a file that
/// describe the rest (headers, HDF5 metadata), plus format-aware damage — FITS header values, END and XTENSION cards,
/// NaN payloads; npy shape, descr and header length; npz entry names; text cells and lines.
/// </summary>
public sealed class FuzzMutator
{
    private readonly Random _r;
    private readonly Dictionary<byte[], List<FitsLayoutHdu>> _layouts = new(ReferenceEqualityComparer.Instance);

    public FuzzMutator(int seed) => _r = new Random(seed);

    private T Pick<T>(IReadOnlyList<T> items) => items[_r.Next(items.Count)];

    // ---------------- generic bytes ----------------

    /// <summary>
    /// Generic byte damage. <paramref name="hot"/> lists the ranges that describe the rest of the file (where damage
    /// is most interesting); about two thirds of the positions are drawn there.
    /// </summary>
    public Mutant Bytes(byte[] original, IReadOnlyList<(int Start, int Length)> hot)
    {
        var b = (byte[])original.Clone();
        int len = b.Length;
        int Pos() => hot.Count > 0 && _r.Next(3) > 0 ? HotPos(hot, len) : _r.Next(Math.Max(1, len));
        switch (_r.Next(9))
        {
            case 0:
            {
                int at = _r.Next(3) switch
                {
                    0 => Math.Clamp(_r.Next(0, len / 2880 + 1) * 2880 + _r.Next(-3, 4), 0, len),
                    1 => Math.Min(len, Pos()),
                    _ => _r.Next(len + 1),
                };
                return new Mutant($"truncated to {at} of {len} bytes", b[..at]);
            }
            case 1:
            {
                int n = 1 + _r.Next(_r.Next(2) == 0 ? 3 : 24);
                var where = new List<int>();
                for (int i = 0; i < n; i++)
                {
                    int p = Pos();
                    if (p >= len) continue;
                    b[p] ^= (byte)(1 + _r.Next(255));
                    where.Add(p);
                }
                return new Mutant($"flipped {where.Count} bytes at {string.Join(",", where.Take(6))}{(where.Count > 6 ? ",…" : "")}", b);
            }
            case 2:
            {
                int at = Pos(), n = Math.Min(len - Math.Min(at, len), 1 + _r.Next(_r.Next(2) == 0 ? 64 : 8192));
                Array.Clear(b, Math.Min(at, len), Math.Max(0, n));
                return new Mutant($"zeroed {n} bytes at {at}", b);
            }
            case 3:
            {
                int from = _r.Next(Math.Max(1, len)), to = Pos(), n = 1 + _r.Next(4096);
                n = Math.Min(n, Math.Min(len - from, len - to));
                if (n > 0) Array.Copy(original, from, b, to, n);
                return new Mutant($"copied {n} bytes from {from} over {to}", b);
            }
            case 4:
            {
                int from = _r.Next(Math.Max(1, len)), to = Math.Min(len, Pos()), n = Math.Min(len - from, 1 + _r.Next(_r.Next(2) == 0 ? 2880 : 64));
                var block = original.AsSpan(from, Math.Max(0, n)).ToArray();
                return new Mutant($"inserted a copy of {block.Length} bytes from {from} at {to}", Concat(b[..to], block, b[to..]));
            }
            case 5:
            {
                int at = Math.Min(len, Pos()), n = Math.Min(len - at, 1 + _r.Next(_r.Next(2) == 0 ? 80 : 2880));
                return new Mutant($"deleted {n} bytes at {at}", Concat(b[..at], b[(at + n)..]));
            }
            case 6:
            {
                // An extreme integer where a size or an offset may be stored.
                var values = new ulong[] { 0, 1, 0xFF, 0x7F, 0x80, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue, 0x0010_0000_0000 };
                ulong v = Pick(values);
                int width = Pick(new[] { 1, 2, 4, 8 });
                int at = Math.Min(Pos(), Math.Max(0, len - width));
                bool big = _r.Next(2) == 0;
                for (int i = 0; i < width && at + i < len; i++)
                    b[at + i] = (byte)(v >> (8 * (big ? width - 1 - i : i)));
                return new Mutant($"wrote {v:X} as {width} bytes ({(big ? "big" : "little")}-endian) at {at}", b);
            }
            case 7:
            {
                var extra = new byte[1 + _r.Next(_r.Next(2) == 0 ? 100 : 6000)];
                if (_r.Next(2) == 0) _r.NextBytes(extra);
                return new Mutant($"appended {extra.Length} {(extra.Any(x => x != 0) ? "random" : "zero")} bytes", Concat(b, extra));
            }
            default:
            {
                int at = Pos(), n = Math.Min(len - Math.Min(at, len), 1 + _r.Next(256));
                if (n > 0) _r.NextBytes(b.AsSpan(at, n));
                return new Mutant($"randomized {n} bytes at {at}", b);
            }
        }
    }

    private int HotPos(IReadOnlyList<(int Start, int Length)> hot, int len)
    {
        var (s, l) = Pick(hot);
        return Math.Min(len, s + _r.Next(Math.Max(1, l)));
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var all = new byte[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (var p in parts) { p.CopyTo(all, at); at += p.Length; }
        return all;
    }

    // ---------------- FITS ----------------

    /// <summary>FITS damage: generic bytes aimed at the headers, or an edited header value, a lost END card, an
    /// XTENSION card on the primary HDU, a lost XTENSION, NaN payloads, a repeated header block.</summary>
    public Mutant Fits(byte[] original)
    {
        // The same original comes back for every mutant of a job: its layout is worked out once.
        if (!_layouts.TryGetValue(original, out var layout)) _layouts[original] = layout = FitsLayout.Of(original);
        int kind = _r.Next(10);
        if (kind <= 2) return Bytes(original, layout.Select(h => (h.HeaderStart, h.DataStart - h.HeaderStart)).ToList());
        var b = (byte[])original.Clone();
        switch (kind)
        {
            case 3 or 4 or 5:
            {
                var hdu = Pick(layout);
                var keyed = hdu.Cards.Where(c => InterestingKey(c.Key)).ToList();
                var card = keyed.Count > 0 && _r.Next(5) > 0 ? Pick(keyed) : Pick(hdu.Cards.Where(c => c.Key != "END").ToList());
                string value = ValueFor(card.Key, card.Value);
                WriteCard(b, card.Offset, card.Key, value);
                return new Mutant($"HDU {hdu.Index}: {card.Key} = {value} (was {card.Value.Trim()})", b);
            }
            case 6:
            {
                var hdu = Pick(layout);
                var end = hdu.Cards.First(c => c.Key == "END");
                string filler = _r.Next(2) == 0 ? new string(' ', 80) : "COMMENT   the END card was here".PadRight(80);
                Encoding.ASCII.GetBytes(filler).CopyTo(b, end.Offset);
                return new Mutant($"HDU {hdu.Index}: END card removed", b);
            }
            case 7:
            {
                var primary = layout[0];
                var xt = Pick(new[] { "'BINTABLE'", "'IMAGE   '", "'TABLE   '", "'A3DTABLE'", "'FOO'" });
                if (layout.Count > 1 && _r.Next(2) == 0)
                {
                    // The other way round: an extension that lost its XTENSION card.
                    var ext = Pick(layout.Skip(1).ToList());
                    var first = ext.Cards[0];
                    if (_r.Next(2) == 0) WriteCard(b, first.Offset, "SIMPLE", "T");
                    else Encoding.ASCII.GetBytes(new string(' ', 80)).CopyTo(b, first.Offset);
                    return new Mutant($"HDU {ext.Index}: XTENSION card removed", b);
                }
                var at = _r.Next(3) == 0 ? primary.Cards[0] : Pick(primary.Cards.Skip(1).Where(c => c.Key != "END").DefaultIfEmpty(primary.Cards[0]).ToList());
                WriteCard(b, at.Offset, "XTENSION", xt);
                return new Mutant($"primary HDU: XTENSION = {xt} in place of {at.Key}", b);
            }
            case 8:
            {
                var withData = layout.Where(h => h.DataLength > 0 && h.Bitpix is -32 or -64).ToList();
                if (withData.Count == 0) return Bytes(original, layout.Select(h => (h.HeaderStart, h.DataStart - h.HeaderStart)).ToList());
                var hdu = Pick(withData);
                int size = Math.Abs(hdu.Bitpix) / 8;
                long count = hdu.DataLength / size;
                byte[][] specials = hdu.Bitpix == -32
                    ? new[] { new byte[] { 0x7F, 0xC0, 0, 0 }, new byte[] { 0x7F, 0x80, 0, 0 }, new byte[] { 0xFF, 0x80, 0, 0 }, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, new byte[] { 0, 0, 0, 1 } }
                    : new[] { new byte[] { 0x7F, 0xF8, 0, 0, 0, 0, 0, 0 }, new byte[] { 0x7F, 0xF0, 0, 0, 0, 0, 0, 0 }, new byte[] { 0xFF, 0xF0, 0, 0, 0, 0, 0, 0 }, new byte[] { 0x7F, 0xEF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF } };
                var v = Pick(specials);
                double fraction = Pick(new[] { 1.0, 0.5, 0.01, 0.0001 });
                long changed = 0;
                for (long i = 0; i < count; i++)
                {
                    if (fraction < 1 && _r.NextDouble() >= fraction) continue;
                    v.CopyTo(b, hdu.DataStart + i * size);
                    changed++;
                }
                return new Mutant($"HDU {hdu.Index}: {changed} of {count} values set to {Convert.ToHexString(v)}", b);
            }
            default:
            {
                // A repeated header block: everything after it shifts by one block.
                var hdu = Pick(layout);
                int block = hdu.HeaderStart + 2880 * _r.Next(Math.Max(1, (hdu.DataStart - hdu.HeaderStart) / 2880));
                return new Mutant($"HDU {hdu.Index}: header block at {block} repeated", Concat(b[..(block + 2880)], b[block..]));
            }
        }
    }

    private static readonly Regex NumberedKey = new(@"^(NAXIS|TFORM|TTYPE|TSCAL|TZERO|TNULL|CONT)\d+$");

    private static bool InterestingKey(string k) =>
        NumberedKey.IsMatch(k) || k is "NAXIS" or "BITPIX" or "PCOUNT" or "GCOUNT" or "TFIELDS" or "EXTNAME" or "IWAVE0" or "BLANK" or "BSCALE" or "BZERO"
            or "PROFILE" or "COMBMODE" or "NCONT" or "WINGCUT" or "BLASEVER" or "BLASEFMT" or "CONTMIN" or "CONTMAX" or "WINTOL" or "XTENSION" or "SIMPLE";

    private string ValueFor(string key, string old)
    {
        string[] absurd = { "0", "-1", "1", "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807", "-9223372036854775808",
            "99999999999999999999", "1.5", "1E30", "-1E30", "'abc'", "", "T", "NaN" };
        string[] pick = key switch
        {
            "NAXIS" => new[] { "0", "-1", "1", "2", "3", "4", "999", "1000", "-2147483648", "2147483648" },
            "BITPIX" => new[] { "0", "7", "8", "16", "32", "64", "-32", "-64", "-8", "24", "2147483647", "-2147483648", "'E'" },
            "PCOUNT" => new[] { "-1", "-2880", "2880", "1000000000", "4611686018427387904", "9223372036854775807", "-9223372036854775808" },
            "GCOUNT" => new[] { "0", "-1", "2", "1000000", "4611686018427387904", "-9223372036854775808" },
            "TFIELDS" => new[] { "0", "-1", "1000", "2147483647", "2147483648" },
            "IWAVE0" => new[] { "-1", "-300001", "1269127", "1269128", "1569128", "2147483647", "2147483648", "9000000000000000000", "-9000000000000000000" },
            "EXTNAME" => new[] { "'Sci Flux'", "'Sci Wavl'", "'Sci Error'", "'Sci Variance'", "'WAVELENGTH'", "'TGT_SPEC'", "'SPEC_DIVIDE_A0V'", "'LINES'", "''" },
            "PROFILE" or "COMBMODE" => new[] { "'Bogus'", "''", "'123'", "'-1'", "'Lorentzian'", "'Voigt'", "'Log'", "'Linear'", "'PseudoVoigt, Tch'" },
            "NCONT" or "WINGCUT" or "BLASEVER" => new[] { "-1", "0", "1000000", "2147483647", "2147483648", "-2147483649", "1E300" },
            "XTENSION" => new[] { "'IMAGE   '", "'BINTABLE'", "'TABLE   '", "'FOO'" },
            "SIMPLE" => new[] { "F", "T", "'T'" },
            _ when key.StartsWith("TFORM") => new[] { "'1000000E'", "'2147483647D'", "'2147483648D'", "'-1D'", "'1L'", "'L'", "'E'", "'0D'", "'0E'",
                "'X'", "'5Q'", "'1P'", "'abc'", "''", "'99999999999999999999D'", "'8A'", "'D2'", "'1C'", "'1M'", "'1J'", "'1K'", "'1B'", "'1I'", "'3D'", "'1PD(100)'" },
            _ when key.StartsWith("NAXIS") => NaxisValues(old),
            _ => absurd,
        };
        return _r.Next(6) == 0 ? Pick(absurd) : Pick(pick);
    }

    private static string[] NaxisValues(string old)
    {
        long.TryParse(old.Split('/')[0].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v);
        return new[] { "0", "-1", "1", (v - 1).ToString(CultureInfo.InvariantCulture), (v + 1).ToString(CultureInfo.InvariantCulture), (2 * v).ToString(CultureInfo.InvariantCulture),
            "65536", "2147483647", "2147483648", "4294967296", "9223372036854775807", "-9223372036854775808", "1E30", "1.5", "'x'" };
    }

    private static void WriteCard(byte[] b, int offset, string key, string value)
    {
        string card = key.PadRight(8) + "= " + value.PadLeft(20);
        card = card.Length >= 80 ? card[..80] : card.PadRight(80);
        Encoding.ASCII.GetBytes(card).CopyTo(b, offset);
    }

    // ---------------- NumPy .npz ----------------

    /// <summary>npz damage: an npy header's shape, descr, order, length or version; a truncated or NaN-filled array;
    /// a renamed, dropped or repeated entry; or byte damage of one entry or of the zip itself.</summary>
    public Mutant Npz(byte[] original)
    {
        var entries = new List<(string Name, byte[] Data)>();
        using (var zip = new ZipArchive(new MemoryStream(original), ZipArchiveMode.Read))
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                entries.Add((e.FullName, ms.ToArray()));
            }
        int k = _r.Next(entries.Count);
        var (name, data) = entries[k];
        string what;
        switch (_r.Next(12))
        {
            case 0:
            {
                string shape = Pick(new[] { "()", "(-1,)", "(0,)", "(99999999999,)", "(2147483647,)", "(2147483648,)", "(4294967296, 2)", "(7214, 5, 5, 5)", "(7214, 5)",
                    "(5, 7214)", "(a,)", "(,)", "(-7214, -1)", "(65536, 65536)", "(65536, 65536, 65536)", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)",
                    "(7214,", "((7214,),)", "(1e3,)", "(0x10,)", "(3, 0, 99999999)" });
                data = EditHeader(data, h => Regex.Replace(h, @"'shape':\s*\([^)]*\)", "'shape': " + shape));
                what = $"shape {shape}";
                break;
            }
            case 1:
            {
                string descr = Pick(new[] { "<f-8", "<f8x", "<f", "f8", "|O", "<c16", "<U10", "", "<f0", "<f99999999999", ">f8", ">f4", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1", "<f2", "<u4", "<u8", "x", "<V8", "<M8[s]" });
                data = EditHeader(data, h => Regex.Replace(h, @"'descr':\s*'[^']*'", $"'descr': '{descr}'"));
                what = $"descr '{descr}'";
                break;
            }
            case 2:
            {
                string order = Pick(new[] { "True", "1", "'yes'", "None" });
                data = EditHeader(data, h => h.Replace("'fortran_order': False", $"'fortran_order': {order}"));
                what = $"fortran_order {order}";
                break;
            }
            case 3:
            {
                data = (byte[])data.Clone();
                if (data.Length >= 12)
                {
                    var v = Pick(new ulong[] { 0, 1, 0xFFFF, 0x7FFF, 0xFFFF_FFFF, 0x7FFF_FFFF, (ulong)data.Length, (ulong)data.Length - 9 });
                    int width = data[6] == 1 ? 2 : 4;
                    for (int i = 0; i < width; i++) data[8 + i] = (byte)(v >> (8 * i));
                    what = $"header length {v}";
                }
                else what = "header length (too short to change)";
                break;
            }
            case 4:
            {
                data = (byte[])data.Clone();
                byte v = Pick(new byte[] { 0, 2, 3, 4, 255 });
                if (data.Length > 6) data[6] = v;
                what = $"version byte {v}";
                break;
            }
            case 5:
            {
                int at = _r.Next(data.Length + 1);
                data = data[..at];
                what = $"entry truncated to {at} bytes";
                break;
            }
            case 6:
            {
                data = (byte[])data.Clone();
                int start = HeaderEnd(data);
                for (int i = start; i + 8 <= data.Length; i += _r.Next(1, 64))
                    BitConverter.GetBytes(double.NaN).CopyTo(data, i);
                what = "NaN bytes over the values";
                break;
            }
            case 7:
            {
                string newName = Pick(new[] { "", ".npy", name[..^4], name.ToUpperInvariant(), "../" + name, "/" + name, "a/b/" + name, "x\0y.npy", "ü" + name,
                    new string('n', 300) + ".npy", entries[(k + 1) % entries.Count].Name, name + ".npy", name.Replace(".npy", ".NPY"), "\\" + name, "w_array_0.npy " });
                what = $"entry '{name}' renamed '{newName.Replace("\0", "\\0")}'";
                name = newName;
                break;
            }
            case 8:
                entries.RemoveAt(k);
                return new Mutant($"entry '{name}' removed", Zip(entries));
            case 9:
                entries.Add((name, data));
                return new Mutant($"entry '{name}' repeated", Zip(entries));
            case 10:
            {
                var m = Bytes(data, new[] { (0, Math.Min(data.Length, 128)) });
                data = m.Bytes;
                what = $"entry '{name}': {m.Description}";
                break;
            }
            default:
            {
                var m = Bytes(original, new[] { (0, 64), (Math.Max(0, original.Length - 512), Math.Min(original.Length, 512)) });
                return new Mutant($"zip bytes: {m.Description}", m.Bytes);
            }
        }
        entries[k] = (name, data);
        return new Mutant(what, Zip(entries));
    }

    private byte[] Zip(List<(string Name, byte[] Data)> entries)
    {
        var level = _r.Next(2) == 0 ? CompressionLevel.NoCompression : CompressionLevel.Fastest;
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, true))
            foreach (var (n, d) in entries)
            {
                ZipArchiveEntry e;
                // A name the zip writer refuses (empty) is written as '_', which is damage enough.
                try { e = zip.CreateEntry(n, level); }
                catch (ArgumentException) { e = zip.CreateEntry("_", level); }
                using var s = e.Open();
                s.Write(d);
            }
        return ms.ToArray();
    }

    private static int HeaderEnd(byte[] npy)
    {
        if (npy.Length < 10) return npy.Length;
        int len = npy[6] == 1 ? BitConverter.ToUInt16(npy, 8) : npy.Length >= 12 ? (int)Math.Min(BitConverter.ToUInt32(npy, 8), int.MaxValue - 12) : 0;
        return Math.Min(npy.Length, (npy[6] == 1 ? 10 : 12) + len);
    }

    /// <summary>Rewrites an npy header's text, padding it as NumPy does (length kept consistent).</summary>
    private static byte[] EditHeader(byte[] npy, Func<string, string> edit)
    {
        int start = npy[6] == 1 ? 10 : 12;
        int end = HeaderEnd(npy);
        string header = edit(Encoding.Latin1.GetString(npy, start, end - start).TrimEnd('\n', ' '));
        int total = start + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var head = Encoding.Latin1.GetBytes(header);
        var outBytes = new byte[start + head.Length + (npy.Length - end)];
        npy.AsSpan(0, start).CopyTo(outBytes);
        if (start == 10) BitConverter.GetBytes((ushort)Math.Min(head.Length, ushort.MaxValue)).CopyTo(outBytes, 8);
        else BitConverter.GetBytes((uint)head.Length).CopyTo(outBytes, 8);
        head.CopyTo(outBytes, start);
        npy.AsSpan(end).CopyTo(outBytes.AsSpan(start + head.Length));
        return outBytes;
    }

    // ---------------- HDF5 ----------------

    /// <summary>HDF5 damage: generic bytes aimed at the superblock and the metadata structures (object headers, B-trees,
    /// heaps, symbol tables), found by their signatures, with extreme sizes written just after a signature.</summary>
    public Mutant Hdf5(byte[] original, IReadOnlyList<(int Start, int Length)> metadata) => Bytes(original, metadata);

    /// <summary>Where an HDF5 file keeps its metadata: the superblock and ±256 bytes around each structure signature.</summary>
    public static List<(int Start, int Length)> Hdf5Metadata(byte[] file)
    {
        var hot = new List<(int, int)> { (0, 512) };
        foreach (var sig in new[] { "HEAP", "TREE", "OHDR", "SNOD", "GCOL", "FRHP", "BTHD", "BTLF", "FSHD", "SMTB", "OCHK" })
        {
            var s = Encoding.ASCII.GetBytes(sig);
            for (int at = 0; (at = file.AsSpan(at).IndexOf(s) is var i and >= 0 ? at + i : -1) >= 0; at += 4)
                hot.Add((Math.Max(0, at), Math.Min(256, file.Length - at)));
        }
        return hot;
    }

    // ---------------- text ----------------

    /// <summary>Text damage: byte damage, or a cell made NaN, Inf, huge or not a number, a line with a column more or
    /// fewer, lines repeated or out of order, another delimiter, CR line ends, a BOM, or nothing but a header.</summary>
    public Mutant Text(byte[] original)
    {
        if (_r.Next(4) == 0) return Bytes(original, new[] { (0, Math.Min(original.Length, 512)) });
        var text = Encoding.UTF8.GetString(original);
        var lines = text.Split('\n').ToList();
        int li = _r.Next(lines.Count);
        string what;
        switch (_r.Next(11))
        {
            case 0 or 1:
            {
                var cells = Regex.Split(lines[li], @"([,;\t ]+)");
                int ci = 2 * _r.Next((cells.Length + 1) / 2);
                string v = Pick(new[] { "NaN", "nan", "inf", "-Infinity", "1e999999", "-1e999999", "0", "-0", "1e-320", "0x10", "−1", "1,5", "abc", "", "\"1\"",
                    "99999999999999999999999999999999999", "1D5", "--1", "1e", "∞", "null" });
                if (ci < cells.Length) cells[ci] = v;
                lines[li] = string.Concat(cells);
                what = $"line {li + 1}: a cell set to '{v}'";
                break;
            }
            case 2:
                lines[li] = lines[li].TrimEnd('\r') + Pick(new[] { ",1", "\t1", " 1", ",", ";2" });
                what = $"line {li + 1}: a column more";
                break;
            case 3:
            {
                int cut = Math.Max(lines[li].LastIndexOfAny(new[] { ',', '\t', ' ', ';' }), 0);
                lines[li] = lines[li][..cut];
                what = $"line {li + 1}: the last column cut";
                break;
            }
            case 4:
            {
                int n = 1 + _r.Next(Math.Min(500, lines.Count));
                int from = _r.Next(Math.Max(1, lines.Count - n));
                lines.InsertRange(Math.Min(lines.Count, _r.Next(lines.Count)), lines.GetRange(from, Math.Min(n, lines.Count - from)));
                what = $"{n} lines repeated";
                break;
            }
            case 5:
            {
                int a = _r.Next(lines.Count), b2 = _r.Next(lines.Count);
                (lines[a], lines[b2]) = (lines[b2], lines[a]);
                what = $"lines {a + 1} and {b2 + 1} swapped";
                break;
            }
            case 6:
            {
                string d = Pick(new[] { ",", ";", "\t", " ", "  ", "|" });
                for (int i = 0; i < lines.Count; i++) if (_r.Next(3) == 0 || i == li) lines[i] = Regex.Replace(lines[i], @"[,;\t ]+", d);
                what = $"delimiters changed to '{d}'";
                break;
            }
            case 7:
                return new Mutant("CR line ends", Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n").Replace('\n', '\r')));
            case 8:
                return new Mutant("a BOM and a title line", Encoding.UTF8.GetBytes("\uFEFFSpectrum of something\n" + text));
            case 9:
                lines = lines.Take(1 + _r.Next(2)).ToList();
                what = $"only the first {lines.Count} lines";
                break;
            default:
                lines.Reverse();
                what = "lines in reverse order";
                break;
        }
        return new Mutant(what, Encoding.UTF8.GetBytes(string.Join('\n', lines)));
    }
}

/// <summary>The HDUs of a valid FITS file: where each header and its cards are, and where its data lies.</summary>
public sealed record FitsLayoutHdu(int Index, int HeaderStart, int DataStart, long DataLength, int Bitpix, List<(int Offset, string Key, string Value)> Cards);

public static class FitsLayout
{
    public static List<FitsLayoutHdu> Of(byte[] file)
    {
        var list = new List<FitsLayoutHdu>();
        int pos = 0;
        while (pos + 2880 <= file.Length)
        {
            int start = pos;
            var cards = new List<(int, string, string)>();
            bool end = false;
            while (!end && pos + 2880 <= file.Length)
            {
                for (int i = 0; i < 36; i++)
                {
                    string card = Encoding.ASCII.GetString(file, pos + 80 * i, 80);
                    string key = card[..8].TrimEnd();
                    cards.Add((pos + 80 * i, key, card.Length > 10 ? card[10..] : ""));
                    if (key == "END") { end = true; break; }
                }
                pos += 2880;
            }
            if (!end) break;
            long Get(string k) => cards.Where(c => c.Item2 == k).Select(c => long.Parse(c.Item3.Split('/')[0].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
            int bitpix = (int)Get("BITPIX");
            long naxis = Get("NAXIS"), size = naxis == 0 ? 0 : 1;
            for (int k = 1; k <= naxis; k++) size *= Get($"NAXIS{k}");
            long data = Math.Abs(bitpix) / 8 * (size + Get("PCOUNT"));
            list.Add(new FitsLayoutHdu(list.Count, start, pos, data, bitpix, cards));
            pos += (int)((data + 2879) / 2880 * 2880);
            if (pos < file.Length && file.AsSpan(pos).IndexOfAnyExcept((byte)0) < 0) break;
        }
        return list;
    }
}
