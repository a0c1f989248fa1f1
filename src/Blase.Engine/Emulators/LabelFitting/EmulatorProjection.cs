using Blase.Engine.Transfer;

namespace Blase.Engine.Emulators.LabelFitting;

/// <summary>
/// Carries an emulator's flux onto an observed spectrum's pixels: the emulator's grid is cut into segments at its gaps (APOGEE's
/// three chips, say), each resampled linearly onto a grid uniform in ln λ with the segment's mean step (an identity for a grid
/// already uniform in ln λ, as APOGEE's and most PHOENIX-derived grids are); on that grid one rotational kernel serves every
/// pixel (<see cref="RotationalBroadening"/>, Gray's kernel, edges padded with the edge value); then each data pixel takes the
/// broadened flux at its rest wavelength ln λ − ln D(v) (<see cref="DopplerShift"/>) by Catmull–Rom cubic interpolation, which
/// keeps the model's derivative in v continuous (linear interpolation would put a kink in χ² at every node crossing).
/// Every step is linear in the flux, so the same map carries the emulator's covariance factors.
/// </summary>
public sealed class EmulatorProjection
{
    private readonly Segment[] _segments;
    private readonly double[] _lnData;

    private sealed record Segment(int Start, int Count, double LnStart, double Step, int[] Left, double[] Fraction)
    {
        public int Nodes => Left.Length;
        public double StepKms => Step * DopplerShift.SpeedOfLightKms;
    }

    /// <param name="emulatorWavelength">The emulator's pixel wavelengths (Å), increasing.</param>
    /// <param name="dataWavelength">The data pixels' wavelengths (Å), in the same medium.</param>
    /// <param name="limbDarkening">ε of the rotational kernel.</param>
    public EmulatorProjection(double[] emulatorWavelength, double[] dataWavelength, double limbDarkening)
    {
        if (emulatorWavelength.Length < 4) throw new BlaseDataException("the emulator has fewer than 4 pixels");
        for (int j = 1; j < emulatorWavelength.Length; j++)
            if (!(emulatorWavelength[j] > emulatorWavelength[j - 1])) throw new BlaseDataException("the emulator's wavelengths must increase");
        LimbDarkening = limbDarkening;
        var ln = emulatorWavelength.Select(v => Math.Log(v)).ToArray();
        var steps = Enumerable.Range(1, ln.Length - 1).Select(j => ln[j] - ln[j - 1]).OrderBy(v => v).ToArray();
        double median = steps[steps.Length / 2];
        // A gap is a step over three times the typical one: the chips of a detector mosaic, or orders of an échelle grid.
        var segments = new List<Segment>();
        int start = 0;
        for (int j = 1; j <= ln.Length; j++)
        {
            if (j < ln.Length && ln[j] - ln[j - 1] <= 3 * median) continue;
            int count = j - start;
            if (count >= 4) segments.Add(Resampling(ln, start, count));
            start = j;
        }
        if (segments.Count == 0) throw new BlaseDataException("the emulator's wavelength grid has no stretch of 4 or more evenly spaced pixels");
        _segments = segments.ToArray();
        _lnData = dataWavelength.Select(v => Math.Log(v)).ToArray();
    }

    public double LimbDarkening { get; }
    public int DataPixelCount => _lnData.Length;
    /// <summary>The coarsest velocity step of the emulator's grid (km/s).</summary>
    public double StepKms => _segments.Max(s => s.StepKms);

    private static Segment Resampling(double[] ln, int start, int count)
    {
        double lo = ln[start], step = (ln[start + count - 1] - lo) / (count - 1);
        var left = new int[count];
        var fraction = new double[count];
        int j = start;
        for (int k = 0; k < count; k++)
        {
            double x = lo + k * step;
            while (j < start + count - 2 && ln[j + 1] <= x) j++;
            left[k] = j;
            fraction[k] = Math.Clamp((x - ln[j]) / (ln[j + 1] - ln[j]), 0, 1);
        }
        return new Segment(start, count, lo, step, left, fraction);
    }

    /// <summary>
    /// Which data pixels the emulator covers for every velocity in [vMin, vMax] km/s with a rotational kernel up to
    /// <paramref name="vsiniMaxKms"/> wide kept clear of the segments' padded edges.
    /// </summary>
    public bool[] Coverage(double vMinKms, double vMaxKms, double vsiniMaxKms)
    {
        var covered = new bool[_lnData.Length];
        for (int i = 0; i < _lnData.Length; i++)
        {
            foreach (var s in _segments)
            {
                int reach = (int)Math.Ceiling(vsiniMaxKms / s.StepKms + 0.5);
                double uLo = (_lnData[i] - DopplerShift.LnFactor(vMaxKms) - s.LnStart) / s.Step;
                double uHi = (_lnData[i] - DopplerShift.LnFactor(vMinKms) - s.LnStart) / s.Step;
                if (uLo >= 1 + reach && uHi < s.Nodes - 2 - reach) { covered[i] = true; break; }
            }
        }
        return covered;
    }

    /// <summary>The index of the emulator pixel nearest each data pixel's rest wavelength at velocity v (−1 when outside).</summary>
    public int[] NearestPixel(double vKms)
    {
        var nearest = new int[_lnData.Length];
        for (int i = 0; i < _lnData.Length; i++)
        {
            nearest[i] = -1;
            foreach (var s in _segments)
            {
                double u = (_lnData[i] - DopplerShift.LnFactor(vKms) - s.LnStart) / s.Step;
                if (u < -0.5 || u > s.Nodes - 0.5) continue;
                nearest[i] = s.Start + Math.Clamp((int)Math.Round(u), 0, s.Count - 1);
                break;
            }
        }
        return nearest;
    }

    /// <summary>
    /// The emulator's <paramref name="flux"/> broadened by v sin i, shifted by v and sampled at the data pixels where
    /// <paramref name="use"/> is true (others get NaN).
    /// </summary>
    public double[] Project(double[] flux, double vKms, double vsiniKms, bool[] use)
    {
        var result = new double[_lnData.Length];
        Array.Fill(result, double.NaN);
        double lnD = DopplerShift.LnFactor(vKms);
        var broadened = new double[_segments.Length][];
        for (int si = 0; si < _segments.Length; si++) broadened[si] = Broaden(_segments[si], flux, vsiniKms);
        for (int i = 0; i < _lnData.Length; i++)
        {
            if (!use[i]) continue;
            for (int si = 0; si < _segments.Length; si++)
            {
                var s = _segments[si];
                double u = (_lnData[i] - lnD - s.LnStart) / s.Step;
                int k = (int)Math.Floor(u);
                if (k < 1 || k > s.Nodes - 3) continue;
                result[i] = CatmullRom(broadened[si], k, u - k);
                break;
            }
        }
        return result;
    }

    private double[] Broaden(Segment s, double[] flux, double vsiniKms)
    {
        int n = s.Nodes;
        var rot = new RotationalBroadening(vsiniKms, LimbDarkening, s.StepKms);
        int h = rot.Half;
        var padded = new double[n + 2 * h];
        for (int k = 0; k < n; k++)
        {
            int j = s.Left[k];
            padded[k + h] = flux[j] + s.Fraction[k] * (flux[j + 1] - flux[j]);
        }
        if (h == 0) return padded;
        for (int k = 0; k < h; k++) { padded[k] = padded[h]; padded[n + h + k] = padded[n + h - 1]; }
        var outPadded = new double[padded.Length];
        rot.Apply(padded, outPadded, h, n + h);
        return outPadded[h..(n + h)];
    }

    /// <summary>The Catmull–Rom cubic through y[k−1..k+2] at k + t, t ∈ [0, 1).</summary>
    private static double CatmullRom(double[] y, int k, double t)
    {
        double p0 = y[k - 1], p1 = y[k], p2 = y[k + 1], p3 = y[k + 2];
        return p1 + 0.5 * t * (p2 - p0 + t * (2 * p0 - 5 * p1 + 4 * p2 - p3 + t * (3 * (p1 - p2) + p3 - p0)));
    }
}
