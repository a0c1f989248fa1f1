using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;
using CsCheck;

namespace Blase.Engine.Tests;

public class SpectrumTests
{
    private static Spectrum Synthetic(int orders = 2, int n = 50) => new(
        Enumerable.Range(0, orders).Select(o => new SpectralOrder(o,
            Enumerable.Range(0, n).Select(i => 6000.0 + 100 * o + i * 0.5).ToArray(),
            Enumerable.Range(0, n).Select(i => 2.0 + Math.Sin(i)).ToArray(),
            Enumerable.Range(0, n).Select(i => 0.01 * (1 + i % 3)).ToArray())),
        metadata: new SpectrumMetadata { Object = "Synthetic star", Instrument = "Test", BarycentricCorrection = -1234.5, Teff = 5800 });

    [Fact]
    public void Air_vacuum_conversion_matches_the_h_alpha_standard()
    {
        // Hα: 6564.614 Å in vacuum is 6562.801 Å in standard air (NIST); Na D2 5891.583 vac → 5889.951 air.
        Assert.Equal(6562.801, AirVacuum.VacuumToAir(6564.614), 3);
        Assert.Equal(5889.951, AirVacuum.VacuumToAir(5891.583), 3);
        Assert.Equal(6564.614, AirVacuum.AirToVacuum(6562.801), 3);
    }

    [Fact]
    public void Air_vacuum_round_trip_is_exact_to_1e_12()
    {
        Gen.Double[3000, 60000].Sample(w =>
            Math.Abs(AirVacuum.AirToVacuum(AirVacuum.VacuumToAir(w)) - w) <= 1e-12 * w);
    }

    [Fact]
    public void Units_crop_orders_and_median_normalization()
    {
        var s = Synthetic();
        var nm = s.ToUnit(WavelengthUnit.Nanometer);
        Assert.Equal(600.0, nm.MinWavelength, 12);
        Assert.Equal(s.Wavelength, nm.ToUnit(WavelengthUnit.Angstrom).Wavelength.Select(w => Math.Round(w, 9)).ToArray());
        Assert.Equal(WavelengthUnit.Micrometer, s.ToUnit(WavelengthUnit.Micrometer).Unit);

        var cropped = s.Crop(6010, 6110);
        Assert.Equal(2, cropped.OrderCount);
        Assert.Equal(6010, cropped.MinWavelength);
        Assert.Equal(6110, cropped.MaxWavelength);
        Assert.Single(s.Crop(6000, 6010).Orders);
        Assert.Throws<BlaseDataException>(() => s.Crop(1000, 2000));

        var one = s.SelectOrders(new[] { 1 });
        Assert.Equal(1, Assert.Single(one.Orders).Number);
        Assert.Throws<BlaseDataException>(() => s.SelectOrders(new[] { 7 }));

        var norm = s.NormalizeByMedian();
        Assert.All(norm.Orders, o => Assert.Equal(1.0, Statistics.Median(o.Flux), 12));
        Assert.Equal(s.Orders[0].Uncertainty![3] / Statistics.Median(s.Orders[0].Flux), norm.Orders[0].Uncertainty![3], 12);
        Assert.Contains(norm.Provenance, p => p.Contains("median"));
        Assert.Equal(s.Flux, Synthetic().Flux); // the original is untouched
    }

    [Fact]
    public void Bad_arrays_are_refused_with_the_pixel_named()
    {
        var e = Assert.Throws<BlaseDataException>(() => new SpectralOrder(3, new[] { 1.0, 2, 2, 3 }, new double[4]));
        Assert.Contains("duplicate wavelength 2 at pixels 1 and 2", e.Message);
        e = Assert.Throws<BlaseDataException>(() => new SpectralOrder(0, new[] { 1.0, 3, 2 }, new double[3]));
        Assert.Contains("not increasing at pixel 2", e.Message);
        e = Assert.Throws<BlaseDataException>(() => new SpectralOrder(0, new[] { 1.0, 2 }, new double[3]));
        Assert.Contains("2 wavelengths but 3 flux", e.Message);
        e = Assert.Throws<BlaseDataException>(() => new SpectralOrder(0, new[] { 1.0, double.NaN }, new double[2]));
        Assert.Contains("pixel 1", e.Message);
        // Non-finite flux and non-positive uncertainty are masked, not refused.
        var o = new SpectralOrder(0, new[] { 1.0, 2, 3 }, new[] { 1.0, double.NaN, 1 }, new[] { 0.1, 0.1, -1 });
        Assert.Equal(new[] { true, false, false }, o.Mask);
        // A red-to-blue order is turned around.
        var rev = SpectralOrder.FromArrays(0, new[] { 3.0, 2, 1 }, new[] { 30.0, 20, 10 });
        Assert.Equal(new[] { 1.0, 2, 3 }, rev.Wavelength);
        Assert.Equal(new[] { 10.0, 20, 30 }, rev.Flux);
    }

    [Theory]
    [InlineData("spec.fits")]
    [InlineData("spec.csv")]
    public void Export_and_import_round_trip_every_number(string name)
    {
        using var dir = new TempDir();
        var s = Synthetic().ToAir();
        var path = dir.File(name);
        SpectrumWriter.Write(s, path);
        var back = Assert.Single(SpectrumReader.Read(path));
        Assert.Equal(s.Wavelength, back.Wavelength);
        Assert.Equal(s.Flux, back.Flux);
        Assert.Equal(s.Uncertainty, back.Uncertainty);
        Assert.Equal(s.Mask, back.Mask);
        Assert.Equal(s.Orders.Select(o => o.Number), back.Orders.Select(o => o.Number));
        if (name.EndsWith(".fits"))
        {
            Assert.Equal(WavelengthMedium.Air, back.Medium);
            Assert.Equal("Synthetic star", back.Metadata.Object);
            Assert.Equal(-1234.5, back.Metadata.BarycentricCorrection);
            Assert.Equal(5800, back.Metadata.Teff);
            Assert.Contains(back.Provenance, p => p.Contains("air"));
        }
    }

    [Fact]
    public void Bad_text_files_name_the_line()
    {
        using var dir = new TempDir();
        var unsorted = dir.File("unsorted.txt");
        File.WriteAllText(unsorted, "wavelength,flux\n5000,1\n5002,1\n5001,1\n");
        Assert.Contains("not increasing at pixel 2", Assert.Throws<BlaseDataException>(() => SpectrumReader.Read(unsorted)).Message);
        var ragged = dir.File("ragged.txt");
        File.WriteAllText(ragged, "5000 1\n5001 1 3\n");
        Assert.Contains("line 2 has 3 columns", Assert.Throws<BlaseDataException>(() => SpectrumReader.Read(ragged)).Message);
        var empty = dir.File("empty.txt");
        File.WriteAllText(empty, "# nothing here\n");
        Assert.Contains("no rows", Assert.Throws<BlaseDataException>(() => SpectrumReader.Read(empty)).Message);
        var words = dir.File("words.txt");
        File.WriteAllText(words, "5000 1\n5001 abc\n");
        var e = Assert.Throws<BlaseDataException>(() => SpectrumReader.Read(words));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("words.txt", e.Message);
        var chosen = dir.File("cols.txt");
        File.WriteAllText(chosen, "flux err lam\n1 0.1 5000\n2 0.2 5001\n");
        var s = Assert.Single(SpectrumReader.Read(chosen, new SpectrumReadOptions { WavelengthColumn = "lam", UncertaintyColumn = "2" }));
        Assert.Equal(new[] { 5000.0, 5001 }, s.Wavelength);
        Assert.Equal(new[] { 0.1, 0.2 }, s.Uncertainty);
    }

    [Fact]
    public void Unknown_binary_files_are_refused()
    {
        using var dir = new TempDir();
        var bin = dir.File("x.bin");
        File.WriteAllBytes(bin, new byte[] { 1, 2, 3, 0, 5, 6 });
        Assert.Contains("not a spectrum format", Assert.Throws<BlaseDataException>(() => SpectrumReader.Read(bin)).Message);
    }

    [Fact]
    public void Fits_export_keeps_text_exactly_and_writes_units_in_the_FITS_form()
    {
        using var dir = new TempDir();
        var meta = new SpectrumMetadata { Object = "Barnard’s star — Gliese 699 (µ Oph)", Telescope = "HET 10 m", FluxUnit = "erg/s/cm^2/cm" };
        var steps = new[]
        {
            "normalized by a 3200 K Planck function, λ in Å; the median 1.234e+05 and a continuum through the upper envelope of every order",
            @"read C:\data\Goldilocks_20210801T083104.fits  ",
        };
        var s = new Spectrum(new[] { SpectralOrder.FromArrays(0, new[] { 6000.0, 6000.5, 6001.0 }, new[] { 1.0, 0.9, 1.0 }) },
            WavelengthUnit.Angstrom, WavelengthMedium.Vacuum, meta, steps);
        var path = dir.File("text.fits");
        SpectrumWriter.Write(s, path);

        var back = Assert.Single(SpectrumReader.Read(path));
        Assert.Equal(meta.Object, back.Metadata.Object);
        Assert.Equal(meta.Telescope, back.Metadata.Telescope);
        Assert.Equal(meta.FluxUnit, back.Metadata.FluxUnit);
        // The reader's own step first, then the steps as they were.
        Assert.Equal(steps, back.Provenance.Skip(1));

        // In the file: FITS units, and only printable ASCII in the header.
        var hdus = Blase.Engine.IO.Fits.FitsFile.Read(path);
        Assert.Equal("erg s-1 cm-2 cm-1", hdus[0].Header.GetString("BUNIT"));
        Assert.Equal("erg s-1 cm-2 cm-1", hdus[1].Header.GetString("TUNIT3"));
        var bytes = File.ReadAllBytes(path).AsSpan(0, 2880 * 2).ToArray();
        Assert.DoesNotContain(bytes, b => b is < 32 or > 126 && b != 0);
    }
}
