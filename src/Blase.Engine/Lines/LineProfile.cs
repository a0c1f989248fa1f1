using System.Numerics;

namespace Blase.Engine.Lines;

/// <summary>The shape of one absorption line.</summary>
public enum ProfileShape
{
    /// <summary>blasé's mixture: η·L(γ) + (1−η)·G(σ), each at its own width; f (TCH) only sets η. The default.</summary>
    PseudoVoigt,
    /// <summary>The textbook Thompson–Cox–Hastings pseudo-Voigt: L and G both at the combined width f.</summary>
    Tch,
    /// <summary>The exact Voigt profile, Re w(z)/(σ√2π) with the Faddeeva function (Weideman 1994, N = 32).</summary>
    Voigt,
}

/// <summary>
/// What a line's shape needs per pixel, computed once per line from (σ, γ): the widths of its Lorentzian and Gaussian
/// parts, the mixing η, and their derivatives with respect to ln σ and ln γ (for the analytic gradient).
/// </summary>
public readonly struct LineShape
{
    public const double FwhmPerSigma = 2.3548200450309493; // 2√(2 ln 2)
    private const double Sqrt2Pi = 2.5066282746310002;

    public readonly ProfileShape Kind;
    public readonly double Sigma, Gamma;   // the line's own widths
    public readonly double Se, Ge;         // widths the profile uses: Gaussian σe, Lorentzian γe
    public readonly double Eta;
    /// <summary>The combined (TCH) FWHM f of the line's σ and γ, in Å.</summary>
    public readonly double Fwhm;
    public readonly double DEtaDLnS, DEtaDLnG, DSeDLnS, DSeDLnG, DGeDLnS, DGeDLnG;

    public LineShape(ProfileShape kind, double sigma, double gamma)
    {
        Kind = kind; Sigma = sigma; Gamma = gamma;
        double fg = FwhmPerSigma * sigma, fl = 2 * gamma;
        double fg2 = fg * fg, fl2 = fl * fl;
        double p = fg2 * fg2 * fg + 2.69269 * fg2 * fg2 * fl + 2.42843 * fg2 * fg * fl2 + 4.47163 * fg2 * fl2 * fl + 0.07842 * fg * fl2 * fl2 + fl2 * fl2 * fl;
        double f = Math.Pow(p, 0.2);
        Fwhm = f;
        if (kind == ProfileShape.Voigt)
        {
            Se = sigma; Ge = gamma; Eta = 0;
            DEtaDLnS = DEtaDLnG = DSeDLnG = DGeDLnS = 0;
            DSeDLnS = sigma; DGeDLnG = gamma;
            return;
        }
        double dPdFg = 5 * fg2 * fg2 + 4 * 2.69269 * fg2 * fg * fl + 3 * 2.42843 * fg2 * fl2 + 2 * 4.47163 * fg * fl2 * fl + 0.07842 * fl2 * fl2;
        double dPdFl = 2.69269 * fg2 * fg2 + 2 * 2.42843 * fg2 * fg * fl + 3 * 4.47163 * fg2 * fl2 + 4 * 0.07842 * fg * fl2 * fl + 5 * fl2 * fl2;
        double f4 = p / f;
        // d f / d ln σ = (∂f/∂f_G)·f_G, and the same for γ.
        double dfdLnS = dPdFg / (5 * f4) * fg, dfdLnG = dPdFl / (5 * f4) * fl;
        double rho = fl / f;
        double dEtaDRho = 1.36603 - 2 * 0.47719 * rho + 3 * 0.11116 * rho * rho;
        Eta = rho * (1.36603 + rho * (-0.47719 + rho * 0.11116));
        DEtaDLnS = dEtaDRho * (-rho / f * dfdLnS);
        DEtaDLnG = dEtaDRho * (rho - rho / f * dfdLnG);
        if (kind == ProfileShape.Tch)
        {
            Se = f / FwhmPerSigma; Ge = f / 2;
            DSeDLnS = dfdLnS / FwhmPerSigma; DSeDLnG = dfdLnG / FwhmPerSigma;
            DGeDLnS = dfdLnS / 2; DGeDLnG = dfdLnG / 2;
        }
        else
        {
            Se = sigma; Ge = gamma;
            DSeDLnS = sigma; DGeDLnG = gamma;
            DSeDLnG = DGeDLnS = 0;
        }
    }

    /// <summary>V(Δ), with unit area.</summary>
    public double Value(double d)
    {
        if (Kind == ProfileShape.Voigt) return Faddeeva.W(new Complex(d, Gamma) / (Sigma * Math.Sqrt(2))).Real / (Sigma * Sqrt2Pi);
        double l = Ge / (Math.PI * (Ge * Ge + d * d));
        double g = Math.Exp(-0.5 * d * d / (Se * Se)) / (Se * Sqrt2Pi);
        return Eta * l + (1 - Eta) * g;
    }

    /// <summary>V(Δ) and its derivatives with respect to Δ (= −∂/∂λc), ln σ and ln γ.</summary>
    public double Value(double d, out double dDelta, out double dLnS, out double dLnG)
    {
        if (Kind == ProfileShape.Voigt)
        {
            double s2 = Sigma * Math.Sqrt(2);
            var z = new Complex(d, Gamma) / s2;
            var w = Faddeeva.W(z);
            var wp = -2 * z * w + new Complex(0, 2 / Math.Sqrt(Math.PI)); // w'(z)
            double norm = 1 / (Sigma * Sqrt2Pi);
            double v = w.Real * norm;
            dDelta = (wp / s2).Real * norm;
            dLnG = (wp * new Complex(0, Gamma / s2)).Real * norm;
            dLnS = -v + (wp * -z).Real * norm; // σ ∂/∂σ: z ∝ 1/σ and the 1/σ norm
            return v;
        }
        double ge2 = Ge * Ge, den = ge2 + d * d;
        double l = Ge / (Math.PI * den);
        double g = Math.Exp(-0.5 * d * d / (Se * Se)) / (Se * Sqrt2Pi);
        double value = Eta * l + (1 - Eta) * g;
        double dl = -2 * d / den * l, dg = -d / (Se * Se) * g;          // ∂/∂Δ
        double lGe = l * (1 / Ge - 2 * Ge / den), gSe = g * (d * d / (Se * Se * Se) - 1 / Se); // ∂L/∂γe, ∂G/∂σe
        dDelta = Eta * dl + (1 - Eta) * dg;
        dLnS = DEtaDLnS * (l - g) + Eta * lGe * DGeDLnS + (1 - Eta) * gSe * DSeDLnS;
        dLnG = DEtaDLnG * (l - g) + Eta * lGe * DGeDLnG + (1 - Eta) * gSe * DSeDLnG;
        return value;
    }

    /// <summary>
    /// How far from the centre a·V stays above <paramref name="tolerance"/>: the larger of where the Lorentzian wing
    /// (≈ a·η_L·γe/πΔ²) and the Gaussian core fall below it. The exact Voigt's wing is γ/(πΔ²) as well.
    /// </summary>
    public double HalfWidth(double amplitude, double tolerance)
    {
        double etaL = Kind == ProfileShape.Voigt ? 1 : Eta;
        double etaG = Kind == ProfileShape.Voigt ? 1 : 1 - Eta;
        double lorentz = Math.Sqrt(Math.Max(0, amplitude * etaL * Ge / (Math.PI * tolerance) - Ge * Ge));
        double peakG = amplitude * etaG / (Se * Sqrt2Pi);
        double gauss = peakG > tolerance ? Se * Math.Sqrt(2 * Math.Log(peakG / tolerance)) : 0;
        return Math.Max(Math.Max(lorentz, gauss), Se);
    }
}

/// <summary>
/// The Faddeeva function w(z) = exp(−z²) erfc(−iz) for Im z ≥ 0, by Weideman's rational expansion
/// (SIAM J. Numer. Anal. 31, 1497, 1994) with N = 32 terms: relative accuracy about 1e-13 near the real axis.
/// </summary>
public static class Faddeeva
{
    private const int N = 32;
    private static readonly double L = Math.Sqrt(N / Math.Sqrt(2));
    private static readonly double[] A = Coefficients();

    private static double[] Coefficients()
    {
        // a_n from the FFT of f(t) = L²/(L² + t²) · exp(−t²) · (1 + …) sampled on t = L tan(θ/2) (Weideman eq. 3.6).
        int m = 2 * N;
        int m2 = 2 * m;
        var f = new Complex[m2];
        for (int k = -m + 1; k < m; k++)
        {
            double theta = k * Math.PI / m;
            double t = L * Math.Tan(theta / 2);
            f[k + m] = Math.Exp(-t * t) * (L * L + t * t);
        }
        f[0] = 0;
        // a = fftshift ... : a_n = (1/M2) Σ_k f_k e^{-iπ n k / M}, real part, n = 1..N
        var a = new double[N + 1];
        for (int n = 0; n <= N; n++)
        {
            Complex s = 0;
            for (int j = 0; j < m2; j++)
            {
                int k = j - m; // f index j corresponds to k = j − m after the shift
                s += f[j] * Complex.Exp(new Complex(0, -Math.PI * n * k / m));
            }
            a[n] = (s / m2).Real;
        }
        return a;
    }

    public static Complex W(Complex z)
    {
        var iz = new Complex(-z.Imaginary, z.Real);
        var lMinus = L - iz;
        var zz = (L + iz) / lMinus;
        // Horner on Σ_{n=1..N} a_n Z^{n−1}
        Complex p = A[N];
        for (int n = N - 1; n >= 1; n--) p = p * zz + A[n];
        return 2 * p / (lMinus * lMinus) + 1 / (Math.Sqrt(Math.PI) * lMinus);
    }
}
