using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Engine.Transfer;

/// <summary>
/// Drops the pixels a telluric model absorbs in: those where its transmission falls below 1 − depth anywhere within one
/// instrumental FWHM (λ/R) of the pixel. This is precise-RV practice (SERVAL masks telluric lines deeper than about 1 %;
/// Zechmeister et al. 2018, A&amp;A 609, A12). A template that lacks some of the star's lines lets the telluric lines the fit
/// must adjust beside them pull the RV: on Barnard's star (HPF orders 7 and 9, a 3900 K template for an M4 dwarf) by 2 km/s.
/// The transmission is the line model's own, before the instrument, so a model at native resolution is masked as wide as its
/// lines' cores through the instrument.
/// </summary>
internal static class TelluricMask
{
    /// <summary>The order with those pixels masked; <paramref name="masked"/> counts the good pixels it dropped.</summary>
    public static SpectralOrder Apply(SpectralOrder order, LineModel telluric, double depth, double resolvingPower, double stepKms, out int masked)
    {
        masked = 0;
        double fwhmKms = DopplerShift.SpeedOfLightKms / resolvingPower;
        var grid = new FineGrid(order.MinWavelength, order.MaxWavelength, stepKms, fwhmKms + stepKms);
        var lines = OrderModel.LinesReaching(telluric, grid, 0, 0);
        if (lines.Length == 0) return order;
        var local = telluric.Subset(lines);
        local.WingCut = null;
        using var kernels = new LineKernels(local, grid.Wavelength);
        var lnT = kernels.LogFlux();
        double lnLimit = Math.Log(1 - depth);
        int half = (int)Math.Ceiling(fwhmKms / stepKms);
        var mask = (bool[])order.Mask.Clone();
        for (int i = 0; i < mask.Length; i++)
        {
            if (!mask[i]) continue;
            int k = (int)Math.Round(Math.Log(order.Wavelength[i] / grid.Wavelength[0]) / grid.LnStep);
            for (int j = Math.Max(0, k - half); j <= Math.Min(grid.Count - 1, k + half); j++)
                if (lnT[j] < lnLimit) { mask[i] = false; masked++; break; }
        }
        return new SpectralOrder(order.Number, order.Wavelength, order.Flux, order.Uncertainty, mask);
    }
}
