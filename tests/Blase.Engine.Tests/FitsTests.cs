using System.Text;
using Blase.Engine.IO.Fits;

namespace Blase.Engine.Tests;

public class FitsTests
{
    [Fact]
    public void Header_values_round_trip_including_long_strings_and_hierarch()
    {
        using var dir = new TempDir();
        var h = new FitsHeader()
            .Set("OBJECT", "O'Brien's star", "a quote inside")
            .Set("LONGSTR", string.Concat(Enumerable.Repeat("abcdefghij'", 25)), "long")
            .Set("FLAG", true)
            .Set("NEG", false)
            .Set("COUNT", -1234567890123L)
            .Set("PI", Math.PI)
            .Set("TINY", 1e-300)
            .Set("WHOLE", 3.0)
            .Set("ESO DET CHIP NAME", "CCD-44")
            .Set("UNDEF", null);
        h.Add(new FitsCard("HISTORY", null, "first step"));
        var path = dir.File("h.fits");
        FitsFile.Write(path, new FitsHdu[] { new FitsImage(new double[] { 1, 2, 3 }, new[] { 3 }, -64, h) });

        var back = FitsFile.Read(path)[0].Header;
        Assert.Equal("O'Brien's star", back.GetString("OBJECT"));
        Assert.Equal(string.Concat(Enumerable.Repeat("abcdefghij'", 25)), back.GetString("LONGSTR"));
        Assert.True(back.GetBool("FLAG"));
        Assert.False(back.GetBool("NEG"));
        Assert.Equal(-1234567890123L, back.GetLong("COUNT"));
        Assert.Equal(Math.PI, back.GetDouble("PI"));
        Assert.Equal(1e-300, back.GetDouble("TINY"));
        Assert.Equal(3.0, back["WHOLE"]);
        Assert.Equal("CCD-44", back.GetString("ESO DET CHIP NAME"));
        Assert.Null(back["UNDEF"]);
        Assert.Contains(back.Cards, c => c.Keyword == "HISTORY" && c.Comment == "first step");
        Assert.Equal("a quote inside", back.Cards.First(c => c.Keyword == "OBJECT").Comment);
    }

    [Fact]
    public void Header_parser_reads_hand_written_cards()
    {
        // Cards as another writer lays them out: D exponents, free-format values, CONTINUE, HIERARCH.
        string[] cards =
        {
            "SIMPLE  =                    T",
            "BITPIX  =                  -64",
            "NAXIS   =                    0",
            "DEXP    =            1.5D+03 / a Fortran double",
            "FREE    = 42",
            "STR     = 'abc&'",
            "CONTINUE  'def&'",
            "CONTINUE  'ghi' / joined",
            "HIERARCH ESO TEL ALT = 45.5 / degrees",
            "COMMENT   just words",
            "END",
        };
        var text = string.Concat(cards.Select(c => c.PadRight(80)));
        var bytes = Encoding.ASCII.GetBytes(text.PadRight(2880));
        var h = FitsFile.Read(bytes)[0].Header;
        Assert.Equal(1500.0, h.GetDouble("DEXP"));
        Assert.Equal(42L, h.GetLong("FREE"));
        Assert.Equal("abcdefghi", h.GetString("STR"));
        Assert.Equal(45.5, h.GetDouble("ESO TEL ALT"));
        Assert.Contains(h.Cards, c => c.Keyword == "COMMENT" && c.Comment!.Contains("just words"));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(-32)]
    [InlineData(-64)]
    public void Images_of_every_bitpix_round_trip_exactly(int bitpix)
    {
        using var dir = new TempDir();
        var axes = new[] { 5, 4, 3 };
        var data = Enumerable.Range(0, 60).Select(i => bitpix > 0 ? (double)(i * 3 % 200) : i * 0.37 - 7.25).ToArray();
        if (bitpix < 0) data[7] = double.NaN;
        var path = dir.File("img.fits");
        FitsFile.Write(path, new FitsHdu[]
        {
            new FitsImage(Array.Empty<double>(), Array.Empty<int>(), 8),
            new FitsImage(data, axes, bitpix, new FitsHeader().Set("EXTNAME", "CUBE")),
        });
        var hdus = FitsFile.Read(path);
        var img = Assert.IsType<FitsImage>(hdus[1]);
        Assert.Equal("CUBE", img.Name);
        Assert.Equal(axes, img.Axes);
        Assert.Equal(bitpix, img.Bitpix);
        var expected = bitpix == -32 ? data.Select(v => (double)(float)v).ToArray() : data;
        Assert.Equal(expected, img.Data);
        Assert.Equal(0, new FileInfo(path).Length % 2880);
    }

    [Fact]
    public void Bscale_bzero_and_blank_are_applied()
    {
        // An unsigned-16 image stored the FITS way: BZERO 32768, plus a BLANK pixel.
        var h = new FitsHeader().Set("SIMPLE", true).Set("BITPIX", 16).Set("NAXIS", 1).Set("NAXIS1", 3)
            .Set("BSCALE", 2.0).Set("BZERO", 32768.0).Set("BLANK", -1L);
        var header = string.Concat(h.Format());
        var bytes = new byte[5760];
        Encoding.ASCII.GetBytes(header.PadRight(2880)).CopyTo(bytes, 0);
        short[] raw = { -32768, 100, -1 };
        for (int i = 0; i < 3; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(2880 + 2 * i), raw[i]);
        var img = (FitsImage)FitsFile.Read(bytes)[0];
        Assert.Equal(new[] { 32768 - 2 * 32768.0, 32768 + 200.0, double.NaN }, img.Data);
    }

    [Fact]
    public void Binary_tables_of_every_column_type_round_trip()
    {
        using var dir = new TempDir();
        int rows = 4;
        var cols = new[]
        {
            FitsColumn.FromLogicals("ok", new[] { true, false, true, true }),
            FitsColumn.FromNumbers("b", new double[] { 0, 1, 254, 255 }, FitsColumnType.Byte),
            FitsColumn.FromNumbers("i", new double[] { -32768, 0, 1, 32767 }, FitsColumnType.Int16),
            FitsColumn.FromNumbers("j", new double[] { int.MinValue, -1, 7, int.MaxValue }, FitsColumnType.Int32),
            FitsColumn.FromNumbers("k", new double[] { -1L << 52, 3, 5, 1L << 52 }, FitsColumnType.Int64),
            FitsColumn.FromStrings("name", new[] { "alpha", "b", "", "delta gamma" }),
            FitsColumn.FromNumbers("e", new double[] { 1.5f, -2.25f, float.MaxValue, float.NaN }, FitsColumnType.Float, "Angstrom"),
            FitsColumn.FromNumbers("vec", Enumerable.Range(0, rows * 3).Select(i => i / 7.0).ToArray(), FitsColumnType.Double, "Jy", repeat: 3),
        };
        var path = dir.File("t.fits");
        FitsFile.Write(path, new FitsHdu[] { new FitsImage(Array.Empty<double>(), Array.Empty<int>(), 8), new FitsTable(cols) });
        var t = Assert.IsType<FitsTable>(FitsFile.Read(path)[1]);
        Assert.Equal(rows, t.RowCount);
        Assert.Equal(new bool?[] { true, false, true, true }, t.Column("OK")!.Logicals);
        foreach (var c in cols.Where(c => c.Numbers is not null))
            Assert.Equal(c.Numbers, t.Column(c.Name)!.Numbers);
        Assert.Equal(new[] { "alpha", "b", "", "delta gamma" }, t.Column("name")!.Strings);
        Assert.Equal(3, t.Column("vec")!.Repeat);
        Assert.Equal("Jy", t.Column("vec")!.Unit);
        Assert.Equal("Angstrom", t.Column("e")!.Unit);
    }

    [Fact]
    public void Truncated_and_foreign_files_are_clear_errors()
    {
        using var dir = new TempDir();
        var good = dir.File("good.fits");
        FitsFile.Write(good, new FitsHdu[] { new FitsImage(Enumerable.Range(0, 2000).Select(i => (double)i).ToArray(), new[] { 2000 }) });
        var bytes = File.ReadAllBytes(good);

        var cut = dir.File("cut.fits");
        File.WriteAllBytes(cut, bytes[..(2880 + 1000)]);
        var e = Assert.Throws<BlaseDataException>(() => FitsFile.Read(cut));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("cut.fits", e.Message);

        var noEnd = dir.File("noend.fits");
        File.WriteAllBytes(noEnd, Encoding.ASCII.GetBytes("SIMPLE  =                    T".PadRight(2880)));
        Assert.Contains("no END", Assert.Throws<BlaseDataException>(() => FitsFile.Read(noEnd)).Message);

        var text = dir.File("text.fits");
        File.WriteAllText(text, "hello, world\n");
        Assert.Contains("not a FITS file", Assert.Throws<BlaseDataException>(() => FitsFile.Read(text)).Message);

        Assert.Throws<FileNotFoundException>(() => FitsFile.Read(dir.File("absent.fits")));
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_untouched()
    {
        using var dir = new TempDir();
        var path = dir.File("keep.fits");
        FitsFile.Write(path, new FitsHdu[] { new FitsImage(new double[] { 1 }, new[] { 1 }) });
        var before = File.ReadAllBytes(path);
        // 2.5 cannot be stored as BITPIX 16: the writer throws part-way through.
        Assert.Throws<ArgumentException>(() => FitsFile.Write(path, new FitsHdu[] { new FitsImage(new double[] { 1, 2.5 }, new[] { 2 }, 16) }));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [DataFact]
    public void Reads_real_headers()
    {
        var hdus = FitsFile.Read(TestData.Goldilocks);
        Assert.Equal(10, hdus.Count);
        Assert.Equal(-14198.87873826564, hdus[0].Header.GetDouble("BRVCORR"));
        Assert.Equal("Sci Flux", hdus[1].Name);
        Assert.Equal(new[] { 2048, 28 }, ((FitsImage)hdus[1]).Axes);
        var igrins = FitsFile.Read(TestData.File("igrins", "SDCH_20201202_0059.spec_a0v.fits"));
        Assert.Equal("CPD-57 1131", igrins[0].Header.GetString("OBJECT")); // the first of two OBJECT cards
    }

    [Theory]
    [InlineData("erg/s/cm^2/cm", "erg s-1 cm-2 cm-1")] // PHOENIX's BUNIT
    [InlineData("erg/s/cm**2/Angstrom", "erg s-1 cm-2 Angstrom-1")]
    [InlineData("erg s-1 cm-2 A-1", "erg s-1 cm-2 Angstrom-1")]
    [InlineData("W m-2 nm-1", "W m-2 nm-1")]
    [InlineData("counts", "count")]
    [InlineData("Jy", "Jy")]
    [InlineData("mJy", "mJy")]
    [InlineData("km/s", "km s-1")]
    [InlineData("e-/s", null)]
    [InlineData("10**-17 erg/s/cm2/A", null)]
    [InlineData("erg/(s cm2)", null)]
    [InlineData("normalized", null)]
    [InlineData("", null)]
    public void Units_are_rewritten_in_the_FITS_form_or_dropped(string unit, string? fits) =>
        Assert.Equal(fits, FitsUnit.Standardize(unit));
}
