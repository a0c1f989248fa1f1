using Blase.Engine.Lines;
using Blase.Engine.Spectra;
using Blase.Engine.Transfer;

namespace Blase.Engine.Tests;

/// <summary>The telluric mask against the transmission computed line by line, and a transfer it rescues from a wrong telluric model.</summary>
public class TelluricMaskTests
{
    private static readonly double[] Pixels = TestData.Grid(8650, 8680, 0.06);

    private static LineModel Tellurics(double[] centers, double[] depths, double sigma = 0.03, double gamma = 0.01)
    {
        var shape = new LineShape(ProfileShape.PseudoVoigt, sigma, gamma);
        // In log mode the depth at the centre is 1 − exp(−a·V(0)).
        return new LineModel(centers, depths.Select(d => Math.Log(-Math.Log(1 - d) / shape.Value(0))).ToArray(),
            centers.Select(_ => Math.Log(sigma)).ToArray(), centers.Select(_ => Math.Log(gamma)).ToArray(), ProfileShape.PseudoVoigt, CombinationMode.Log);
    }

    [Fact]
    public void Mask_drops_the_pixels_within_one_FWHM_of_a_deep_telluric_and_keeps_the_rest()
    {
        var tell = Tellurics(new[] { 8655.2, 8662.71, 8671.4 }, new[] { 0.3, 0.05, 0.005 });
        var order = new SpectralOrder(0, Pixels, Pixels.Select(_ => 1.0).ToArray());
        const double depth = 0.02, r = 55_000;
        var masked = TelluricMask.Apply(order, tell, depth, r, 0.3, out int dropped);

        // The transmission line by line, its minimum over ±λ/R of each pixel sampled every 0.001 Å.
        double T(double w) => Math.Exp(-Enumerable.Range(0, tell.Count).Sum(j => Math.Exp(tell.LnAmplitude[j]) * tell.Shape(j).Value(w - tell.Center[j])));
        int agree = 0, disagree = 0;
        for (int i = 0; i < Pixels.Length; i++)
        {
            double fwhm = Pixels[i] / r, min = 1;
            for (double w = Pixels[i] - fwhm; w <= Pixels[i] + fwhm; w += 0.001) min = Math.Min(min, T(w));
            bool expectKept = min >= 1 - depth;
            if (expectKept == masked.Mask[i]) agree++; else disagree++;
        }
        Assert.True(disagree <= 2, $"{disagree} pixels disagree with the line-by-line transmission (the edges of a window may)");
        Assert.Equal(Pixels.Length - masked.GoodPixelCount, dropped);
        Assert.InRange(dropped, 10, 40); // two lines deeper than 2 %, each about 0.3 Å + 2 FWHM wide at 0.06 Å per pixel
        Assert.True(Enumerable.Range(0, Pixels.Length).Where(i => Math.Abs(Pixels[i] - 8671.4) < 0.2).All(i => masked.Mask[i]), "a 0.5 % line is kept");
        Assert.True(order.Mask.All(m => m), "the input order is not changed");
    }

    [Fact]
    public void Masking_deep_tellurics_frees_the_RV_from_a_telluric_model_that_is_wrong()
    {
        // Twenty tellurics 30–50 % deep, each 0.07 Å redward of a star line, in the data; the model the fit is given has them
        // 0.04 Å off (a wrong wavelength solution of the telluric template: the transfer never moves telluric centres).
        // Measured: 12.58 ± 0.11 km/s unmasked, 12.290 ± 0.026 masked, for 12.3.
        const double rv = 12.3;
        var star = ObservationSimulator.SyntheticLines(120, 8651, 8679, 21);
        double d = DopplerShift.Factor(rv);
        var strong = Enumerable.Range(0, star.Count).OrderByDescending(j => star.LnAmplitude[j]).Take(20).Select(j => star.Center[j] * d + 0.07).Order().ToArray();
        var depths = strong.Select((_, k) => 0.3 + 0.2 * (k % 3) / 2.0).ToArray();
        var truth = Tellurics(strong, depths);
        var wrong = Tellurics(strong.Select(c => c - 0.04).ToArray(), depths);
        var data = new Spectrum(new[] { ObservationSimulator.Observe(star, Pixels, rv, 3, 0.6, 55_000, _ => 1, 300, 5, telluric: truth) });
        var o = new TransferOptions { BarycentricCorrectionKms = 0, RadialVelocity = 12 };
        var fitted = Blase.Engine.Transfer.Transfer.Fit(data, star, wrong, o);
        o.TelluricMaskDepth = 0.02;
        var masked = Blase.Engine.Transfer.Transfer.Fit(data, star, wrong, o);
        string both = $"unmasked {fitted.RadialVelocity:F4} ± {fitted.RadialVelocityError:F4}, masked {masked.RadialVelocity:F4} ± {masked.RadialVelocityError:F4} km/s";
        Assert.True(Math.Abs(fitted.RadialVelocity - rv) > 0.1, "the wrong tellurics pull the RV: " + both);
        Assert.True(Math.Abs(masked.RadialVelocity - rv) < 3 * masked.RadialVelocityError, both);
        Assert.True(Math.Abs(masked.RadialVelocity - rv) < 0.05, both);
        Assert.Contains(masked.Notes, n => n.Contains("where the tellurics absorb more than"));
        Assert.True(masked.Orders[0].GoodPixels < fitted.Orders[0].GoodPixels);
        Assert.Equal(0.02, masked.TelluricMaskDepth);
        Assert.Null(fitted.TelluricMaskDepth);
    }

    [Fact]
    public void A_mask_without_tellurics_or_with_an_impossible_depth_is_refused()
    {
        var star = ObservationSimulator.SyntheticLines(40, 8651, 8679, 3);
        var data = new Spectrum(new[] { ObservationSimulator.Observe(star, Pixels, 0, 3, 0.6, 55_000, _ => 1, 100, 1) });
        var e = Assert.Throws<ArgumentException>(() => Blase.Engine.Transfer.Transfer.Fit(data, star, null, new TransferOptions { RadialVelocity = 0, TelluricMaskDepth = 0.02 }));
        Assert.Contains("telluric line model", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Blase.Engine.Transfer.Transfer.Fit(data, star, Tellurics(new[] { 8660.0 }, new[] { 0.1 }), new TransferOptions { RadialVelocity = 0, TelluricMaskDepth = 1.5 }));
    }
}
