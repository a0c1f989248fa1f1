namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// One Gaussian process over the grid labels with a squared-exponential kernel and white noise:
/// C = K + ν I,  K_ij = a · exp(−½ Σ_d (x_id − x_jd)² / ℓ_d²)  (amplitude a, one length scale ℓ_d per label, noise variance ν).
/// Log marginal likelihood of targets y (Rasmussen &amp; Williams 2006, eq. 5.8):
/// ln p(y) = −½ yᵀC⁻¹y − ½ ln|C| − (N/2) ln 2π,
/// and its gradient with respect to any hyperparameter θ (eq. 5.9): ½ tr((ααᵀ − C⁻¹) ∂C/∂θ) with α = C⁻¹y, where
/// ∂C/∂ln a = K, ∂C/∂ln ℓ_d = K ∘ (Δ_d² / ℓ_d²), ∂C/∂ln ν = ν I.
/// Prediction at x*: mean k*ᵀα, variance a − k*ᵀC⁻¹k* (the latent function, without the noise ν).
/// The matrices are small (N ≈ 50–500 grid points), so the Cholesky factor is computed here directly in place.
/// </summary>
public sealed class SquaredExponentialGp
{
    private readonly double[][] _x;
    private readonly double[] _chol;  // lower Cholesky factor of C, row-major n × n
    private readonly double[] _alpha; // C⁻¹ y

    public SquaredExponentialGp(double[][] x, double[] y, double amplitude, double[] lengthScales, double noise)
    {
        _x = x;
        Amplitude = amplitude; LengthScales = lengthScales; Noise = noise;
        int n = x.Length;
        _chol = new double[n * n];
        Kernel(x, amplitude, lengthScales, _chol);
        for (int i = 0; i < n; i++) _chol[i * n + i] += noise;
        if (!Cholesky(_chol, n))
            throw new InvalidOperationException("the GP covariance is not positive definite (noise too small for these hyperparameters)");
        _alpha = (double[])y.Clone();
        SolveInPlace(_chol, n, _alpha);
    }

    public double Amplitude { get; }
    public double[] LengthScales { get; }
    public double Noise { get; }

    /// <summary>Posterior mean and variance of the latent function at x*.</summary>
    public (double Mean, double Variance) Predict(IReadOnlyList<double> xs)
    {
        int n = _x.Length;
        var k = new double[n];
        for (int i = 0; i < n; i++) k[i] = Amplitude * Math.Exp(-0.5 * SquaredDistance(_x[i], xs, LengthScales));
        double mean = 0;
        for (int i = 0; i < n; i++) mean += k[i] * _alpha[i];
        ForwardInPlace(_chol, n, k); // v = L⁻¹k*
        double q = 0;
        for (int i = 0; i < n; i++) q += k[i] * k[i];
        return (mean, Math.Max(0, Amplitude - q));
    }

    /// <summary>
    /// ln p(y | a, ℓ, ν) and its gradient with respect to (ln a, ln ℓ_1..ln ℓ_D, ln ν), written to <paramref name="gradient"/>
    /// (length D + 2). Returns −∞ when C is not positive definite. <paramref name="work"/> needs 4n² + n doubles.
    /// </summary>
    public static double LogLikelihood(double[][] x, double[] y, double lnA, ReadOnlySpan<double> lnL, double lnNoise,
        Span<double> gradient, double[] work)
    {
        int n = x.Length, dims = lnL.Length;
        double a = Math.Exp(lnA), nu = Math.Exp(lnNoise);
        Span<double> invL2 = stackalloc double[dims];
        for (int d = 0; d < dims; d++) invL2[d] = Math.Exp(-2 * lnL[d]);
        var k = work.AsSpan(0, n * n);
        var c = work.AsSpan(n * n, n * n);
        for (int i = 0; i < n; i++)
        {
            k[i * n + i] = a;
            for (int j = 0; j < i; j++)
            {
                double s = 0;
                for (int d = 0; d < dims; d++) { double t = x[i][d] - x[j][d]; s += t * t * invL2[d]; }
                double v = a * Math.Exp(-0.5 * s);
                k[i * n + j] = v; k[j * n + i] = v;
            }
        }
        k.CopyTo(c);
        for (int i = 0; i < n; i++) c[i * n + i] += nu;
        if (!Cholesky(c, n)) { gradient.Clear(); return double.NegativeInfinity; }
        double logDet = 0;
        for (int i = 0; i < n; i++) logDet += 2 * Math.Log(c[i * n + i]);
        var alpha = work.AsSpan(4 * n * n, n);
        y.CopyTo(alpha);
        SolveInPlace(c, n, alpha);
        double quad = 0;
        for (int i = 0; i < n; i++) quad += y[i] * alpha[i];
        // W = ααᵀ − C⁻¹ (C⁻¹ from the Cholesky factor, into the third block)
        var inv = work.AsSpan(2 * n * n, n * n);
        InverseFromCholesky(c, n, inv, work.AsSpan(3 * n * n, n * n));
        gradient.Clear();
        double trW = 0;
        for (int i = 0; i < n; i++)
        {
            trW += alpha[i] * alpha[i] - inv[i * n + i];
            double wii = alpha[i] * alpha[i] - inv[i * n + i];
            gradient[0] += 0.5 * wii * a;
            for (int j = 0; j < i; j++)
            {
                double w = alpha[i] * alpha[j] - inv[i * n + j];
                double wk = w * k[i * n + j]; // counted twice (i,j) and (j,i): ½·2
                gradient[0] += wk;
                for (int d = 0; d < dims; d++) { double t = x[i][d] - x[j][d]; gradient[1 + d] += wk * t * t * invL2[d]; }
            }
        }
        gradient[dims + 1] = 0.5 * nu * trW;
        return -0.5 * quad - 0.5 * logDet - 0.5 * n * Math.Log(2 * Math.PI);
    }

    internal static void Kernel(double[][] x, double a, double[] lengthScales, double[] into)
    {
        int n = x.Length;
        for (int i = 0; i < n; i++)
        {
            into[i * n + i] = a;
            for (int j = 0; j < i; j++)
            {
                double v = a * Math.Exp(-0.5 * SquaredDistance(x[i], x[j], lengthScales));
                into[i * n + j] = v; into[j * n + i] = v;
            }
        }
    }

    private static double SquaredDistance(IReadOnlyList<double> p, IReadOnlyList<double> q, double[] l)
    {
        double s = 0;
        for (int d = 0; d < l.Length; d++) { double t = (p[d] - q[d]) / l[d]; s += t * t; }
        return s;
    }

    /// <summary>In-place lower Cholesky factor (row-major); false when not positive definite.</summary>
    internal static bool Cholesky(Span<double> a, int n)
    {
        for (int j = 0; j < n; j++)
        {
            var rowJ = a.Slice(j * n, j);
            double s = a[j * n + j] - Dot(rowJ, rowJ);
            if (!(s > 0) || !double.IsFinite(s)) return false;
            double d = Math.Sqrt(s);
            a[j * n + j] = d;
            for (int i = j + 1; i < n; i++)
                a[i * n + j] = (a[i * n + j] - Dot(a.Slice(i * n, j), rowJ)) / d;
            a.Slice(j * n + j + 1, n - j - 1).Clear(); // the upper triangle
        }
        return true;
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && x.Length >= 2 * System.Numerics.Vector<double>.Count)
        {
            var acc = System.Numerics.Vector<double>.Zero;
            int w = System.Numerics.Vector<double>.Count;
            for (; i <= x.Length - w; i += w)
                acc += new System.Numerics.Vector<double>(x.Slice(i, w)) * new System.Numerics.Vector<double>(y.Slice(i, w));
            s = System.Numerics.Vector.Dot(acc, System.Numerics.Vector<double>.One);
        }
        for (; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>b ← L⁻¹ b.</summary>
    internal static void ForwardInPlace(ReadOnlySpan<double> l, int n, Span<double> b)
    {
        for (int i = 0; i < n; i++) b[i] = (b[i] - Dot(l.Slice(i * n, i), b.Slice(0, i))) / l[i * n + i];
    }

    /// <summary>b ← (LLᵀ)⁻¹ b.</summary>
    internal static void SolveInPlace(ReadOnlySpan<double> l, int n, Span<double> b)
    {
        ForwardInPlace(l, n, b);
        for (int i = n - 1; i >= 0; i--)
        {
            double t = b[i];
            for (int k = i + 1; k < n; k++) t -= l[k * n + i] * b[k];
            b[i] = t / l[i * n + i];
        }
    }

    /// <summary>
    /// (LLᵀ)⁻¹ into <paramref name="inv"/> (full symmetric). U = L⁻ᵀ (upper, row-major) is built in <paramref name="u"/>
    /// row by row, so that both steps run over contiguous memory: U[j, i] = −(Σ_{k=j}^{i−1} L[i,k] U[j,k]) / L[i,i], U[j,j] = 1/L[j,j];
    /// then C⁻¹_ij = Σ_{k ≥ max(i,j)} U[i,k] U[j,k].
    /// </summary>
    internal static void InverseFromCholesky(ReadOnlySpan<double> l, int n, Span<double> inv, Span<double> u)
    {
        u.Clear();
        for (int j = 0; j < n; j++)
        {
            u[j * n + j] = 1 / l[j * n + j];
            for (int i = j + 1; i < n; i++)
                u[j * n + i] = -Dot(l.Slice(i * n + j, i - j), u.Slice(j * n + j, i - j)) / l[i * n + i];
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = Dot(u.Slice(i * n + i, n - i), u.Slice(j * n + i, n - i));
                inv[i * n + j] = s; inv[j * n + i] = s;
            }
    }
}
