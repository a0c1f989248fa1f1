namespace Blase.Engine.Transfer;

/// <summary>
/// Rotational broadening with linear limb darkening ε (Gray, The Observation and Analysis of Stellar Photospheres,
/// 3rd ed., eq. 18.14), on a grid uniform in ln λ so that one kernel in velocity serves every pixel:
/// G(u) = [2(1 − ε)√(1 − u²) + (πε/2)(1 − u²)] / [π v_L (1 − ε/3)], u = v/v_L, v_L = v sin i.
/// Each tap is the kernel's exact integral over its velocity cell [(t − ½)Δv, (t + ½)Δv]:
/// w_t = F(u_hi) − F(u_lo), F(u) = [(1 − ε)(u√(1 − u²) + asin u) + (πε/2)(u − u³/3)] / [π(1 − ε/3)],
/// so the taps sum to 1 on any grid, vanish smoothly at the limb and are differentiable in v_L
/// (dw_t/dv_L = −[G(u_hi)u_hi − G(u_lo)u_lo]/v_L with G in units of u). A v sin i below half a cell is one tap of 1.
/// </summary>
public sealed class RotationalBroadening
{
    public RotationalBroadening(double vsiniKms, double limbDarkening, double stepKms)
    {
        if (!(stepKms > 0)) throw new ArgumentOutOfRangeException(nameof(stepKms), "the grid step must be positive");
        if (!(limbDarkening >= 0 && limbDarkening <= 1)) throw new ArgumentOutOfRangeException(nameof(limbDarkening), "limb darkening ε lies in [0, 1]");
        Vsini = Math.Abs(vsiniKms);
        Epsilon = limbDarkening;
        int half = Vsini > 0 ? (int)Math.Ceiling(Vsini / stepKms + 0.5) : 0;
        Taps = new double[2 * half + 1];
        Derivative = new double[2 * half + 1];
        if (half == 0) { Taps[0] = 1; return; }
        for (int t = -half; t <= half; t++)
        {
            double ulo = Math.Clamp((t - 0.5) * stepKms / Vsini, -1, 1), uhi = Math.Clamp((t + 0.5) * stepKms / Vsini, -1, 1);
            Taps[t + half] = Cumulative(uhi) - Cumulative(ulo);
            Derivative[t + half] = -(Density(uhi) * uhi - Density(ulo) * ulo) / Vsini;
        }
    }

    public double Vsini { get; }
    public double Epsilon { get; }
    /// <summary>The taps, centred: index t + Half is velocity t·Δv.</summary>
    public double[] Taps { get; }
    /// <summary>dw_t / d v sin i (per km/s).</summary>
    public double[] Derivative { get; }
    public int Half => Taps.Length / 2;

    private double Cumulative(double u) =>
        ((1 - Epsilon) * (u * Math.Sqrt(1 - u * u) + Math.Asin(u)) + Math.PI * Epsilon / 2 * (u - u * u * u / 3)) / (Math.PI * (1 - Epsilon / 3));

    private double Density(double u) =>
        Math.Abs(u) >= 1 ? 0 : (2 * (1 - Epsilon) * Math.Sqrt(1 - u * u) + Math.PI * Epsilon / 2 * (1 - u * u)) / (Math.PI * (1 - Epsilon / 3));

    /// <summary>out[k] = Σ_t w_t·x[k − t] for k in [from, to) (the caller keeps k ± Half inside x).</summary>
    public void Apply(double[] x, double[] result, int from, int to) => Convolve(Taps, x, result, from, to);

    /// <summary>The adjoint: g_x[m] += Σ_k w_{k−m}·g[k] over k in [from, to).</summary>
    public void ApplyAdjoint(double[] g, double[] gx, int from, int to)
    {
        int h = Half;
        for (int k = from; k < to; k++)
        {
            double gk = g[k];
            if (gk == 0) continue;
            for (int t = -h; t <= h; t++) gx[k - t] += Taps[t + h] * gk;
        }
    }

    /// <summary>Σ_k g[k]·Σ_t (dw_t/dv)·x[k − t]: the derivative of Σ g·(w ⊛ x) with respect to v sin i.</summary>
    public double VsiniGradient(double[] g, double[] x, int from, int to)
    {
        var dx = new double[x.Length];
        Convolve(Derivative, x, dx, from, to);
        double sum = 0;
        for (int k = from; k < to; k++) sum += g[k] * dx[k];
        return sum;
    }

    private void Convolve(double[] taps, double[] x, double[] result, int from, int to)
    {
        int h = Half;
        if (h == 0) { for (int k = from; k < to; k++) result[k] = taps[0] * x[k]; return; }
        for (int k = from; k < to; k++)
        {
            double s = 0;
            for (int t = -h; t <= h; t++) s += taps[t + h] * x[k - t];
            result[k] = s;
        }
    }
}
