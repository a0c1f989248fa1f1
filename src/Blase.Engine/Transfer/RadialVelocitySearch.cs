using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Engine.Transfer;

/// <summary>
/// The starting RV: χ² of the frozen template against the data (continuum solved at each trial) over a velocity ladder of
/// ±reach at about a third of the instrument's FWHM, then a parabola through the best rung and its neighbours. The template is
/// evaluated once per order, at rest, on a log-λ grid wide enough for every trial, rotated and smoothed to R there; a trial RV
/// is then a shift by a whole number of grid steps (ln D = s·h), read at the pixel centres by linear interpolation. So the
/// ladder costs one line evaluation per order, not one per rung. A gradient fit started far from the answer would lock onto a
/// neighbouring line; this cannot. Tellurics are left out here (they do not move with the star).
/// </summary>
internal static class RadialVelocitySearch
{
    public static double Find(IReadOnlyList<SpectralOrder> orders, double[][] weights, LineModel star, TransferOptions o,
        double stepKms, CancellationToken cancel)
    {
        double c = DopplerShift.SpeedOfLightKms, reach = o.RadialVelocitySearchKms;
        int m = Math.Max(1, (int)Math.Round(c / o.ResolvingPower / 3 / stepKms));
        int rungs = (int)Math.Ceiling(reach / (m * stepKms));
        var chi = new double[2 * rungs + 1];
        double sigmaV = c / (LineShape.FwhmPerSigma * o.ResolvingPower);
        for (int q = 0; q < orders.Count; q++)
        {
            cancel.ThrowIfCancellationRequested();
            var order = orders[q];
            double margin = reach + m * stepKms + 8 * sigmaV + o.Vsini + 10 * stepKms;
            var grid = new FineGrid(order.MinWavelength, order.MaxWavelength, stepKms, margin);
            var g = Smoothed(star, grid, o, sigmaV);
            double ln0 = Math.Log(grid.Wavelength[0]);
            int n = order.PixelCount;
            var k0 = new int[n];
            var frac = new double[n];
            for (int i = 0; i < n; i++)
            {
                double x = (Math.Log(order.Wavelength[i]) - ln0) / grid.LnStep;
                k0[i] = (int)Math.Floor(x);
                frac[i] = x - k0[i];
            }
            var continuum = new ChebyshevContinuum(order.Wavelength, o.ContinuumDegree);
            var b = new double[n];
            for (int s = -rungs; s <= rungs; s++)
            {
                int shift = s * m;
                for (int i = 0; i < n; i++) b[i] = g[k0[i] - shift] * (1 - frac[i]) + g[k0[i] + 1 - shift] * frac[i];
                if (!continuum.Solve(b, order.Flux, weights[q])) { chi[s + rungs] = double.PositiveInfinity; continue; }
                double sum = 0;
                for (int i = 0; i < n; i++)
                    if (weights[q][i] > 0) { double r = continuum.At(i) * b[i] - order.Flux[i]; sum += weights[q][i] * r * r; }
                chi[s + rungs] += sum;
            }
        }
        int best = Array.IndexOf(chi, chi.Min());
        double step = best;
        if (best > 0 && best < chi.Length - 1)
        {
            double den = chi[best - 1] - 2 * chi[best] + chi[best + 1];
            if (den > 0) step += 0.5 * (chi[best - 1] - chi[best + 1]) / den;
        }
        double lnD = (step - rungs) * m * stepKms / c; // a shift of s·m steps is ln D = s·m·h
        return DopplerShift.Velocity(Math.Exp(lnD));
    }

    /// <summary>The template at rest on the grid, rotated at the starting v sin i and smoothed by the LSF (point-sampled Gaussian).</summary>
    private static double[] Smoothed(LineModel star, FineGrid grid, TransferOptions o, double sigmaV)
    {
        var w = grid.Wavelength;
        var lines = Enumerable.Range(0, star.Count).Where(j => star.Center[j] > w[0] - 5 && star.Center[j] < w[^1] + 5).ToArray();
        var s = new double[w.Length];
        Array.Fill(s, 1.0);
        if (lines.Length > 0)
        {
            var sub = star.Subset(lines);
            using var k = new LineKernels(sub, w, o.Threads);
            var ln = k.LogFlux();
            for (int i = 0; i < s.Length; i++) s[i] = Math.Exp(ln[i]);
        }
        var rot = new RotationalBroadening(o.Vsini, o.LimbDarkening, grid.StepKms);
        int half = (int)Math.Ceiling(5 * sigmaV / grid.StepKms);
        var lsf = Enumerable.Range(-half, 2 * half + 1).Select(t => Math.Exp(-0.5 * Math.Pow(t * grid.StepKms / sigmaV, 2))).ToArray();
        double norm = lsf.Sum();
        var r = (double[])s.Clone();
        rot.Apply(s, r, rot.Half, s.Length - rot.Half);
        var g = (double[])r.Clone();
        for (int i = half; i < r.Length - half; i++)
        {
            double sum = 0;
            for (int t = -half; t <= half; t++) sum += lsf[t + half] * r[i - t];
            g[i] = sum / norm;
        }
        return g;
    }
}
