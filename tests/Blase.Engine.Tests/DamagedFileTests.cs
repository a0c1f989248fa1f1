using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Blase.Engine.Emulators.Payne;
using Blase.Engine.IO.Formats;
using Blase.Engine.Tests.Fuzz;

namespace Blase.Engine.Tests;

/// <summary>
/// The damage issue 11 lists, made by hand on the real files: each ends in a clear error that names the file, and
/// no array is sized from the damaged value. The fuzz suite finds such cases at random; these pin the ones found.
/// </summary>
public class DamagedFileTests
{
    /// <summary>Runs a read with the allocation of its thread measured: a read may allocate a few times the file,
    /// never hundreds of megabytes because a header says so. Returns the exception it ended in.</summary>
    private static Exception? ReadMeasured(Action read, long fileBytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? error = null;
        try { read(); }
        catch (Exception e) { error = e; }
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(used <= FuzzRunner.AllocationLimit(fileBytes), $"allocated {used / (1 << 20)} MiB for a {fileBytes / 1024} KiB file");
        return error;
    }

    private static void AssertClearError(string path, byte[] bytes, Action read, string expect)
    {
        File.WriteAllBytes(path, bytes);
        var error = ReadMeasured(read, bytes.Length);
        var clear = Assert.IsType<BlaseDataException>(error);
        Assert.Contains(expect, clear.Message);
        Assert.Contains(Path.GetFileName(path), clear.Message);
    }

    private static byte[] WithCard(byte[] fits, int hdu, string key, string? value)
    {
        var b = (byte[])fits.Clone();
        var card = FitsLayout.Of(fits)[hdu].Cards.First(c => c.Key == key);
        string text = value is null ? "" : key.PadRight(8) + "= " + value.PadLeft(20);
        Encoding.ASCII.GetBytes(text.PadRight(80)).CopyTo(b, card.Offset);
        return b;
    }

    [DataFact]
    public void Fits_header_values_that_do_not_fit_the_file_are_clear_errors()
    {
        using var dir = new TempDir();
        var wasp = File.ReadAllBytes(TestData.Wasp69);
        var phoenix = File.ReadAllBytes(TestData.PhoenixCut);
        File.Copy(TestData.PhoenixWaveCut, dir.File(Path.GetFileName(TestData.PhoenixWaveCut)));
        string waspPath = dir.File(Path.GetFileName(TestData.Wasp69)), phoenixPath = dir.File(Path.GetFileName(TestData.PhoenixCut));
        var cases = new (string Path, byte[] Bytes, string Expect)[]
        {
            (waspPath, WithCard(wasp, 1, "NAXIS2", "2147483647"), "truncated"),
            (waspPath, WithCard(wasp, 1, "TFORM1", "'2147483647D'"), "TFORM1"),
            (waspPath, WithCard(wasp, 1, "TFORM1", "'1000000E'"), "TFORM1"),
            (waspPath, WithCard(wasp, 1, "TFORM2", "'1L'"), "not numeric"),
            (waspPath, WithCard(wasp, 1, "PCOUNT", "-1"), "PCOUNT"),
            (waspPath, WithCard(wasp, 1, "GCOUNT", "0"), "GCOUNT"),
            (waspPath, WithCard(wasp, 1, "NAXIS", "-1"), "NAXIS"),
            (phoenixPath, WithCard(phoenix, 0, "NAXIS1", "9223372036854775807"), "NAXIS1"),
            (phoenixPath, WithCard(phoenix, 0, "NAXIS1", "1E30"), "NAXIS1"),
            (phoenixPath, WithCard(phoenix, 0, "BITPIX", "24"), "BITPIX"),
            (phoenixPath, WithCard(phoenix, 0, "IWAVE0", "2147483648"), "IWAVE0"),
            (phoenixPath, WithCard(phoenix, 0, "END", null), "END"),
        };
        foreach (var (path, bytes, expect) in cases)
            AssertClearError(path, bytes, () => SpectrumReader.Read(path), expect);
    }

    [DataFact]
    public void Xtension_on_the_primary_HDU_is_ignored_and_the_file_still_reads()
    {
        using var dir = new TempDir();
        var wasp = File.ReadAllBytes(TestData.Wasp69);
        string path = dir.File(Path.GetFileName(TestData.Wasp69));
        // The primary header's EXTEND card becomes XTENSION = 'BINTABLE': the primary HDU is still the (empty) primary array.
        File.WriteAllBytes(path, WithCard(wasp, 0, "EXTEND", "'BINTABLE'"));
        var bytes = File.ReadAllBytes(path);
        Encoding.ASCII.GetBytes("XTENSION").CopyTo(bytes, FitsLayout.Of(wasp)[0].Cards.First(c => c.Key == "EXTEND").Offset);
        File.WriteAllBytes(path, bytes);
        var spectrum = Assert.Single(SpectrumReader.Read(path));
        Assert.Equal(2048, spectrum.PixelCount);
    }

    [DataFact]
    public void Hdf5_heap_sizes_beyond_the_file_are_clear_errors_without_allocating_them()
    {
        using var dir = new TempDir();
        var grid = File.ReadAllBytes(TestData.File("grids", "starfish_test_PHOENIX_grid.hdf5"));
        string path = dir.File("starfish_test_PHOENIX_grid.hdf5");
        byte[] WithSize(string signature, byte version, ulong size)
        {
            var b = (byte[])grid.Clone();
            var head = Encoding.ASCII.GetBytes(signature).Concat(new byte[] { version, 0, 0, 0 }).ToArray();
            int at = b.AsSpan().IndexOf(head);
            Assert.True(at >= 0, $"no {signature} in the grid file");
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at + 8), size);
            return b;
        }
        // 1.4 GB: what the independent fuzzer saw PureHDF allocate.
        AssertClearError(path, WithSize("HEAP", 0, 0x5400_0000), () => StarfishGridReader.Read(path, new()), "local heap");
        AssertClearError(path, WithSize("GCOL", 1, 0x5400_0000), () => StarfishGridReader.Read(path, new()), "global heap");
        AssertClearError(path, WithSize("GCOL", 1, ulong.MaxValue), () => SpectrumReader.Read(path), "global heap");
    }

    [DataFact]
    public void Damaged_npy_headers_and_entry_names_are_clear_errors()
    {
        using var dir = new TempDir();
        var source = File.ReadAllBytes(TestData.File("payne", "apogee_wavelength.npz"));
        string path = dir.File("NN_normalized_spectra.npz");
        byte[] Edit(Func<string, byte[], (string, byte[])> edit)
        {
            using var ms = new MemoryStream();
            using (var input = new ZipArchive(new MemoryStream(source)))
            using (var output = new ZipArchive(ms, ZipArchiveMode.Create, true))
                foreach (var e in input.Entries)
                {
                    using var s = e.Open();
                    using var copy = new MemoryStream();
                    s.CopyTo(copy);
                    var (name, data) = edit(e.FullName, copy.ToArray());
                    using var o = output.CreateEntry(name).Open();
                    o.Write(data);
                }
            return ms.ToArray();
        }
        byte[] Header(string from, string to) => Edit((n, d) => (n, Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(d).Replace(from, to))));
        var cases = new (byte[] Bytes, string Expect)[]
        {
            (Header("(7214,)", "(99999999999,)"), "shape"),
            (Header("(7214,)", "(-7214,)"), "shape"),
            (Header("(7214,)", "(7214, 7214)"), "truncated"),
            (Header("'<f8'", "'<f-8'"), "dtype"),
            (Edit((n, d) => (n, d.Take(5000).ToArray())), "truncated"),
            (Edit((n, d) => (n, d.Select((x, i) => i == 6 ? (byte)7 : x).ToArray())), "version"),
            (Edit((n, d) => (n[..^4], d)), "no .npy arrays"),
        };
        foreach (var (bytes, expect) in cases)
            AssertClearError(path, bytes, () => PayneNetwork.Load(path), expect);
    }
}
