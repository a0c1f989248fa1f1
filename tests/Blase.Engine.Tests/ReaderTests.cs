using Blase.Engine.Emulators.Payne;
using Blase.Engine.IO.Fits;
using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;

namespace Blase.Engine.Tests;

/// <summary>Every reader on the real files in ../shared/data, checked against the raw FITS values.</summary>
public class ReaderTests
{
    private static Spectrum One(string path, SpectrumReadOptions? o = null) => Assert.Single(SpectrumReader.Read(path, o));

    [DataFact]
    public void Goldilocks_has_28_orders_of_2048_with_errors_and_metadata()
    {
        var s = One(TestData.Goldilocks);
        Assert.Equal(SpectrumFormat.Goldilocks.ToString(), s.Metadata.SourceFormat);
        Assert.Equal(28, s.Orders.Count);
        Assert.All(s.Orders, o => Assert.Equal(2048, o.PixelCount));
        Assert.Equal("HR3039_tell_std", s.Metadata.Object);
        Assert.Equal("HPF", s.Metadata.Instrument);
        Assert.Equal(-14198.87873826564, s.Metadata.BarycentricCorrection);
        var raw = FitsFile.Read(TestData.Goldilocks);
        var err = (FitsImage)raw[4];
        var wl = (FitsImage)raw[7];
        Assert.Equal(wl.Row(5), s.Orders[5].Wavelength);
        Assert.Equal(err.Row(5), s.Orders[5].Uncertainty);
        Assert.InRange(s.MinWavelength, 8079, 8080);
        Assert.InRange(s.MaxWavelength, 12785, 12787);
    }

    [DataFact]
    public void Slope_uncertainty_is_the_square_root_of_the_variance()
    {
        var s = One(TestData.Slope);
        Assert.Equal(SpectrumFormat.HpfSlope.ToString(), s.Metadata.SourceFormat);
        Assert.Equal(28, s.Orders.Count);
        var variance = ((FitsImage)FitsFile.Read(TestData.Slope)[4]).Row(10);
        for (int i = 500; i < 510; i++) Assert.Equal(Math.Sqrt(variance[i]), s.Orders[10].Uncertainty![i], 12);
    }

    [DataFact]
    public void Slope_without_wavelengths_takes_an_external_solution()
    {
        using var dir = new TempDir();
        var hdus = FitsFile.Read(TestData.Slope).Where(h => h.Name?.EndsWith("Wavl") != true).ToList();
        var stripped = dir.File("slope_nowave.fits");
        FitsFile.Write(stripped, hdus);

        var e = Assert.Throws<BlaseDataException>(() => SpectrumReader.Read(stripped));
        Assert.Contains("WavelengthFile", e.Message);
        var s = One(stripped, new SpectrumReadOptions { WavelengthFile = TestData.Slope });
        Assert.Equal(One(TestData.Slope).Wavelength, s.Wavelength);
    }

    [DataFact]
    public void Wasp69_table_spans_8656_to_8768_with_non_finite_pixels_masked()
    {
        var s = One(TestData.Wasp69);
        Assert.Equal(2048, s.PixelCount);
        Assert.InRange(s.MinWavelength, 8656, 8657);
        Assert.InRange(s.MaxWavelength, 8767.9, 8768.1);
        Assert.Equal("WASP_69_out_2_before_4", s.Metadata.Object);
        Assert.Equal(-27523.67691735246, s.Metadata.BarycentricCorrection);
        int nonFinite = s.Flux.Count(f => !double.IsFinite(f));
        Assert.True(nonFinite > 0);
        Assert.True(s.GoodPixelCount <= 2048 - nonFinite);
        Assert.All(Enumerable.Range(0, 2048).Where(i => s.Mask[i]), i => Assert.True(double.IsFinite(s.Flux[i])));
    }

    [DataFact]
    public void Phoenix_cut_has_the_wave_file_wavelengths_from_index_358332()
    {
        var s = One(TestData.PhoenixCut);
        Assert.Equal(300_001, s.PixelCount);
        var full = ((FitsImage)FitsFile.Read(TestData.PhoenixWaveFull)[0]).Data;
        Assert.Equal(PhoenixReader.FullLength, full.Length);
        Assert.Equal(full.AsSpan(358_332, 300_001).ToArray(), s.Wavelength);
        Assert.Equal(5800, s.Metadata.Teff);
        Assert.Equal(4.5, s.Metadata.LogG);
        Assert.Equal(0.0, s.Metadata.Metallicity);
        Assert.Equal(WavelengthMedium.Vacuum, s.Medium);
        // The same with the cut WAVE file named explicitly.
        var viaCut = One(TestData.PhoenixCut, new SpectrumReadOptions { WavelengthFile = TestData.PhoenixWaveCut });
        Assert.Equal(s.Wavelength, viaCut.Wavelength);
    }

    [DataFact]
    public void Phoenix_library_is_searched_by_parameters()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("Z-0.0"));
        File.Copy(TestData.PhoenixWaveFull, dir.File("WAVE_PHOENIX-ACES-AGSS-COND-2011.fits"));
        File.Copy(TestData.PhoenixCut, Path.Combine(dir.Path, "Z-0.0", "lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"));
        var found = PhoenixReader.FindInLibrary(dir.Path, 5800, 4.5, 0.0);
        Assert.EndsWith(Path.Combine("Z-0.0", "lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"), found);
        Assert.Equal(One(TestData.PhoenixCut).Wavelength, One(found).Wavelength);
        Assert.Throws<FileNotFoundException>(() => PhoenixReader.FindInLibrary(dir.Path, 6000, 4.5, 0.0));
        Assert.Equal("lte03500-5.00+0.5.Alpha=-0.20", PhoenixReader.Stem(3500, 5.0, 0.5, -0.2));
    }

    [DataFact]
    public void Igrins_reads_microns_as_angstrom_with_companion_uncertainties()
    {
        var h = One(TestData.File("igrins", "SDCH_20201202_0059.spec_a0v.fits"));
        Assert.Equal(28, h.Orders.Count);
        Assert.InRange(h.MinWavelength, 14290, 14300);
        Assert.InRange(h.MaxWavelength, 18340, 18350);
        Assert.Contains(h.Provenance, p => p.Contains("variance"));
        var k = One(TestData.File("igrins", "SDCK_20141125_0127.spec_a0v.fits"));
        Assert.Equal(26, k.Orders.Count);
        Assert.Contains(k.Provenance, p => p.Contains("S/N"));
        Assert.Equal("LkCa 19", k.Metadata.Object);
        // σ = |flux| / (S/N) against the raw S/N image.
        var sn = (FitsImage)FitsFile.Read(TestData.File("igrins", "SDCK_20141125_0127.sn.fits"))[0];
        var order = k.Orders.First(o => o.Number == 10);
        var raw = ((FitsImage)FitsFile.Read(TestData.File("igrins", "SDCK_20141125_0127.spec_a0v.fits"))[0]).Row(10);
        var rawWave = ((FitsImage)FitsFile.Read(TestData.File("igrins", "SDCK_20141125_0127.spec_a0v.fits"))[1]).Row(10);
        int at = Array.IndexOf(order.Wavelength, rawWave[1000] * 1e4);
        Assert.True(at >= 0);
        Assert.Equal(Math.Abs(raw[1000]) / sn.Row(10)[1000], order.Uncertainty![at], 9);
    }

    [DataFact]
    public void Text_files_in_microns_and_nanometres_become_angstrom()
    {
        var z = One(TestData.File("phoenix", "Z_band_test_sample_lte03900-PHOENIX-ACES.dat"));
        Assert.Equal(100_000, z.PixelCount);
        Assert.Equal(8300.0, z.MinWavelength, 6);
        Assert.Equal(9299.99, z.MaxWavelength, 6);
        var model = One(TestData.File("telluric", "telfit_example_Model.dat"));
        Assert.Equal(4099, model.PixelCount);
        Assert.InRange(model.MinWavelength, 6509, 6510);
        var tel = One(TestData.File("telluric", "telfit_HPFtemplate_temp286_hum050.csv"));
        Assert.Equal(57_344, tel.PixelCount);
        Assert.Contains("transmission", tel.Provenance[0]);
    }

    [DataFact]
    public void Starfish_grids_yield_one_spectrum_per_grid_point_with_parameters()
    {
        var test = SpectrumReader.Read(TestData.File("grids", "starfish_test_PHOENIX_grid.hdf5"));
        Assert.Equal(12, test.Count);
        Assert.All(test, s => Assert.Equal(32768, s.PixelCount));
        Assert.All(test, s => Assert.Equal(WavelengthMedium.Air, s.Medium));
        Assert.Equal(new[] { 5000.0, 5100, 5200, 5300 }, test.Select(s => s.Metadata.Teff!.Value).Distinct().OrderBy(t => t));
        var igrins = SpectrumReader.Read(TestData.File("grids", "PHOENIX_IGRINS_m075.hdf5"));
        Assert.Equal(54, igrins.Count);
        Assert.Equal(new[] { -0.5, 0.0, 0.5 }, igrins.Select(s => s.Metadata.Metallicity!.Value).Distinct().OrderBy(t => t));
        Assert.InRange(igrins[0].MinWavelength, 23583, 23585);
    }

    [DataFact]
    public void Payne_network_matches_a_forward_pass_written_out_by_hand()
    {
        var net = PayneNetwork.Load(TestData.File("payne", "NN_normalized_spectra.npz"));
        Assert.Equal(7214, net.PixelCount);
        Assert.Equal(5, net.LabelCount);
        Assert.Equal(7214, net.Wavelength!.Length);
        Assert.Equal(875, net.Mask!.Count(m => m));
        var labels = new[] { 4750.0, 2.5, -0.1, 0.05, 6.0 };
        var flux = net.Evaluate(labels);

        // Independent evaluation from the raw arrays for a few pixels.
        var a = NpyArchive.Read(TestData.File("payne", "NN_normalized_spectra.npz"));
        foreach (int p in new[] { 0, 1234, 7213 })
        {
            double f = a["b_array_1"].Values[p];
            for (int h = 0; h < 5; h++)
            {
                double z = a["b_array_0"].Values[p * 5 + h];
                for (int k = 0; k < 5; k++)
                {
                    double xs = (labels[k] - a["x_min"].Values[k]) / (a["x_max"].Values[k] - a["x_min"].Values[k]) - 0.5;
                    z += a["w_array_0"].Values[(p * 5 + h) * 5 + k] * xs;
                }
                f += a["w_array_1"].Values[p * 5 + h] * (1 / (1 + Math.Exp(-z)));
            }
            Assert.Equal(f, flux[p], 12);
        }
        Assert.InRange(flux.Average(), 0.7, 1.1);
    }
}
