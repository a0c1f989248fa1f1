namespace Blase.Engine.Lines;

/// <summary>A line found in a template before any fitting: where, how deep, how wide.</summary>
public sealed record FoundLine(int Pixel, double Center, double Depth, double Prominence, double FwhmAngstrom);

/// <summary>
/// Finds absorption lines in a continuum-normalized template: local minima at least <c>minSeparation</c> pixels apart
/// (deeper lines win), whose prominence (depth below the higher of the two bases, in the manner of
/// scipy.signal.find_peaks) is at least the threshold; the width is measured at half prominence with linear
/// interpolation. Starting values follow blasé: a = 0.14·prominence, σ = 1.28·w/√2, γ = 1.52·w/√2, w = FWHM/2.355.
/// </summary>
public static class LineFinder
{
    public static List<FoundLine> Find(double[] wavelength, double[] flux, double prominence = 0.01, int minSeparation = 4, bool[]? mask = null)
    {
        int n = flux.Length;
        bool Ok(int i) => double.IsFinite(flux[i]) && (mask is null || mask[i]);
        // 1. Local minima (plateaus count once, at their middle).
        var minima = new List<int>();
        for (int i = 1; i < n - 1; i++)
        {
            if (!Ok(i) || !Ok(i - 1) || !(flux[i] < flux[i - 1])) continue;
            int k = i;
            while (k + 1 < n - 1 && flux[k + 1] == flux[i]) k++;
            if (k + 1 < n && Ok(k + 1) && flux[k + 1] > flux[i]) minima.Add((i + k) / 2);
            i = k;
        }
        // 2. Minimum separation: keep the deepest, drop neighbours closer than minSeparation.
        var keep = new bool[minima.Count];
        Array.Fill(keep, true);
        foreach (int idx in Enumerable.Range(0, minima.Count).OrderBy(m => flux[minima[m]]))
        {
            if (!keep[idx]) continue;
            for (int o = idx - 1; o >= 0 && minima[idx] - minima[o] < minSeparation; o--) keep[o] = false;
            for (int o = idx + 1; o < minima.Count && minima[o] - minima[idx] < minSeparation; o++) keep[o] = false;
        }
        // 3. Prominence and width at half prominence.
        var found = new List<FoundLine>();
        for (int m = 0; m < minima.Count; m++)
        {
            if (!keep[m]) continue;
            int p = minima[m];
            double f0 = flux[p];
            double leftMax = f0, rightMax = f0;
            int i = p - 1;
            for (; i >= 0 && Ok(i) && flux[i] >= f0; i--) leftMax = Math.Max(leftMax, flux[i]);
            for (i = p + 1; i < n && Ok(i) && flux[i] >= f0; i++) rightMax = Math.Max(rightMax, flux[i]);
            double prom = Math.Min(leftMax, rightMax) - f0;
            if (prom < prominence) continue;
            double half = f0 + prom / 2;
            double left = Crossing(wavelength, flux, p, -1, half), right = Crossing(wavelength, flux, p, +1, half);
            found.Add(new FoundLine(p, wavelength[p], 1 - f0, prom, right - left));
        }
        return found;
    }

    // Where the flux first rises through `level` walking from p in direction dir, interpolated linearly.
    private static double Crossing(double[] w, double[] f, int p, int dir, double level)
    {
        int i = p;
        while (i + dir >= 0 && i + dir < f.Length && f[i + dir] < level) i += dir;
        int j = i + dir;
        if (j < 0 || j >= f.Length || !double.IsFinite(f[j])) return w[i];
        double t = (level - f[i]) / (f[j] - f[i]);
        return w[i] + t * (w[j] - w[i]);
    }

    /// <summary>A line model with blasé's starting values for the lines found.</summary>
    public static LineModel InitialModel(IReadOnlyList<FoundLine> lines, double continuumMin, double continuumMax,
        ProfileShape profile = ProfileShape.PseudoVoigt, CombinationMode mode = CombinationMode.Linear, int continuumDegree = 0)
    {
        int n = lines.Count;
        var c = new double[n]; var a = new double[n]; var s = new double[n]; var g = new double[n];
        for (int j = 0; j < n; j++)
        {
            double w = Math.Max(lines[j].FwhmAngstrom, 1e-4) / 2.355;
            c[j] = lines[j].Center;
            a[j] = Math.Log(0.14 * lines[j].Prominence);
            s[j] = Math.Log(1.28 * w / Math.Sqrt(2));
            g[j] = Math.Log(1.52 * w / Math.Sqrt(2));
        }
        var cont = new double[continuumDegree + 1];
        cont[0] = 1;
        return new LineModel(c, a, s, g, profile, mode, cont, continuumMin, continuumMax);
    }
}
