using Blase.Engine.Emulators;

namespace Blase.Engine.Tests;

/// <summary>A grid from a PHOENIX library folder: chosen by the file names' labels inside a box, cut to a wavelength range.</summary>
public class PhoenixLibraryGridTests
{
    [DataFact]
    public void Library_spectra_inside_the_box_make_a_grid()
    {
        using var dir = new TempDir();
        File.Copy(TestData.PhoenixWaveFull, dir.File("WAVE_PHOENIX-ACES-AGSS-COND-2011.fits"));
        foreach (var z in new[] { "-0.0", "-0.5" })
        {
            Directory.CreateDirectory(dir.File("Z" + z));
            foreach (var stem in new[] { "lte05800-4.50", "lte05900-4.50", "lte05800-5.00", "lte06500-4.50" })
                File.Copy(TestData.PhoenixCut, Path.Combine(dir.Path, "Z" + z, $"{stem}{z}.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"));
        }
        var box = new LabelBox { Teff = (5700, 6000), Metallicity = (-0.5, 0) };
        var grid = PhoenixLibraryGrid.Read(dir.Path, box, 6000, 6010);
        Assert.Equal(6, grid.Count); // 6500 K is outside the box
        Assert.Equal(new[] { "Teff", "LogG", "Metallicity" }, grid.LabelNames);
        Assert.Contains(grid.Labels, l => l[0] == 5900 && l[1] == 4.5 && l[2] == -0.5);
        Assert.All(grid.Wavelength, w => Assert.InRange(w, 6000, 6010));
        Assert.Equal(1001, grid.PixelCount);
        Assert.Equal(0.0, grid.FixedLabels["Alpha"]);
        var none = new LabelBox { Teff = (3000, 3100) };
        Assert.Throws<BlaseDataException>(() => PhoenixLibraryGrid.Read(dir.Path, none, 6000, 6010));
    }
}
